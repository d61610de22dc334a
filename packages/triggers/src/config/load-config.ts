import { createHash } from 'node:crypto';
import { type BindingPart, parseBindingValue } from '../bindings/binding-value.ts';
import type { Interceptor } from '../interceptors/interceptor.ts';
import { concurrencyFromAnnotations } from '../templates/concurrency-from-annotations.ts';
import { type TemplateModel, usedTemplateParams } from '../templates/render-template.ts';
import { resourceTemplateProblems } from '../templates/resource-template-problems.ts';
import type { ConfigIssue } from '../types.ts';
import { buildInterceptor } from './build-interceptor.ts';
import type {
  ListenerModel,
  LoadedConfig,
  LoadResult,
  TriggerGroupModel,
  TriggerModel,
} from './config-model.ts';
import { imageUpdatePolicyProblems } from './image-update-policy-problems.ts';
import { matchesLabelSelector } from './matches-label-selector.ts';
import { type ConfigDocument, readDocuments } from './read-documents.ts';
import type {
  BindingRef,
  EventListenerSpec,
  ImageUpdatePolicySpec,
  InterceptorSpec,
  KindName,
  LabelSelector,
  SlackRouteSpec,
  TemplateSpec,
  TriggerSpec,
} from './schemas.ts';
import { slackRouteProblems } from './slack-route-problems.ts';

type Doc = ConfigDocument;
type Binding = { name: string; parts: BindingPart[] };
/** A trigger built once per document; a namespace-less one takes its listener's namespace. */
type TriggerDraft = Omit<TriggerModel, 'namespace'> & { namespace: string | undefined };
/** A trigger as far as it could be built: whether it authenticates is known even when it is invalid. */
type BuiltTrigger = { name: string; authenticates: boolean; draft: TriggerDraft | undefined };

const allowUnauthenticatedAnnotation = 'signalbox.dev/allow-unauthenticated';

/**
 * Loads and validates a config directory of multi-document YAML (Tekton Triggers kinds and the
 * signalbox.dev kinds). Every problem is reported, not just the first, each with file, document
 * (index and name), field path and line. CEL is compiled here, once; bindings are parsed and
 * templates serialised here, so an event only evaluates.
 *
 * Namespaces: a document with `metadata.namespace` is found only from that namespace, as in
 * Tekton; one without belongs to whatever references or selects it (a local config usually names
 * none). A listener without a namespace is in `default`.
 *
 * Deliberate differences from Tekton, each closing a silent failure: every `$(tt.params.X)` must be
 * declared and every template param bound or defaulted; a trigger name appears once per listener
 * (Tekton fires a trigger twice when a triggerRef, a selector or two trigger groups pick it); a selector or group
 * that selects no Trigger is an error; and a listener must authenticate its senders (a github or
 * harbor interceptor with `secretRef` on every trigger) unless it is annotated
 * `signalbox.dev/allow-unauthenticated: "true"`.
 */
export function loadConfig(dir: string): LoadResult {
  const read = readDocuments(dir);
  const { docs } = read;
  const issues: ConfigIssue[] = [...read.issues];
  const issueAt = (doc: Doc, field: string, message: string) =>
    issues.push({
      file: doc.file,
      documentIndex: doc.index,
      documentName: doc.metadata.name,
      field,
      message,
    });

  const byKey = new Map<string, Doc>();
  for (const doc of docs) {
    const scope = doc.kind === 'ClusterTriggerBinding' ? '' : (doc.metadata.namespace ?? '');
    const key = `${doc.kind}/${scope}/${doc.metadata.name}`;
    const prior = byKey.get(key);
    if (prior) {
      issueAt(
        doc,
        'metadata.name',
        `duplicate ${doc.kind} ${doc.metadata.name} (also in ${prior.file} document ${prior.index})`,
      );
    } else byKey.set(key, doc);
  }

  /** Same namespace first, then a namespace-less document; `namespace` undefined = any. */
  function find(
    doc: Doc,
    field: string,
    kind: KindName,
    name: string,
    namespace: string | undefined,
  ): Doc | undefined {
    const named = docs.filter((d) => d.kind === kind && d.metadata.name === name);
    const candidates =
      kind === 'ClusterTriggerBinding' || namespace === undefined
        ? named
        : [
            ...named.filter((d) => d.metadata.namespace === namespace),
            ...named.filter((d) => d.metadata.namespace === undefined),
          ];
    const found = candidates[0];
    if (!found) {
      const elsewhere = named.map((d) => d.metadata.namespace).filter((n) => n !== undefined);
      issueAt(
        doc,
        field,
        `${kind} ${name} not found${namespace ? ` in namespace ${namespace}` : ''}${elsewhere.length ? ` (it exists in ${elsewhere.join(', ')})` : ''}`,
      );
      return undefined;
    }
    if (
      namespace === undefined &&
      kind !== 'ClusterTriggerBinding' &&
      new Set(candidates.map((d) => d.metadata.namespace)).size > 1
    ) {
      issueAt(doc, field, `${kind} ${name} exists in several namespaces; give this document a namespace`);
      return undefined;
    }
    return found;
  }

  // Bindings: parsed once per document (a bad value is reported once, where it is written).
  const bindingModels = new Map<Doc, Binding[]>();
  for (const doc of docs.filter((d) => d.kind === 'TriggerBinding' || d.kind === 'ClusterTriggerBinding')) {
    const out: Binding[] = [];
    const seen = new Set<string>();
    ((doc.spec as { params?: { name: string; value: string }[] }).params ?? []).forEach((p, i) => {
      if (seen.has(p.name)) issueAt(doc, `spec.params[${i}].name`, `duplicate param ${p.name}`);
      seen.add(p.name);
      try {
        out.push({ name: p.name, parts: parseBindingValue(p.value) });
      } catch (err) {
        issueAt(doc, `spec.params[${i}].value`, (err as Error).message);
      }
    });
    bindingModels.set(doc, out);
  }

  function buildTemplate(
    doc: Doc,
    field: string,
    name: string,
    spec: TemplateSpec,
    annotations: Readonly<Record<string, string>>,
  ): TemplateModel | undefined {
    const before = issues.length;
    const declared = new Set<string>();
    spec.params?.forEach((p, i) => {
      if (declared.has(p.name)) issueAt(doc, `${field}.params[${i}].name`, `duplicate param ${p.name}`);
      declared.add(p.name);
    });
    const resourceJson = spec.resourcetemplates.map((r, i) => {
      const at = `${field}.resourcetemplates[${i}]`;
      for (const p of resourceTemplateProblems(r)) issueAt(doc, `${at}.${p.field}`, p.message);
      const json = JSON.stringify(r);
      for (const used of new Set(usedTemplateParams(json))) {
        if (!declared.has(used)) issueAt(doc, at, `$(tt.params.${used}) is not declared in params`);
      }
      return json;
    });
    for (const [k, v] of Object.entries(annotations)) {
      for (const used of new Set(usedTemplateParams(v))) {
        if (!declared.has(used))
          issueAt(doc, `metadata.annotations.${k}`, `$(tt.params.${used}) is not declared in params`);
      }
    }
    for (const p of concurrencyFromAnnotations(annotations).problems) {
      issueAt(doc, `metadata.annotations.${p.annotation}`, p.message);
    }
    if (issues.length !== before) return undefined;
    return {
      name,
      params: (spec.params ?? []).map((p) => ({
        name: p.name,
        ...(p.default !== undefined ? { default: p.default } : {}),
      })),
      resourceJson,
      annotations,
    };
  }

  // Templates: validated once per document, referenced or not.
  const templateModels = new Map<Doc, TemplateModel | undefined>();
  for (const doc of docs.filter((d) => d.kind === 'TriggerTemplate')) {
    templateModels.set(
      doc,
      buildTemplate(doc, 'spec', doc.metadata.name, doc.spec as TemplateSpec, doc.metadata.annotations ?? {}),
    );
  }

  function resolveBindings(
    doc: Doc,
    field: string,
    refs: readonly BindingRef[],
    namespace: string | undefined,
  ): Binding[] | undefined {
    const out: Binding[] = [];
    const boundBy = new Map<string, string>();
    let ok = true;
    refs.forEach((ref, i) => {
      const at = `${field}[${i}]`;
      let params: Binding[];
      let source: string;
      if (ref.ref !== undefined) {
        if (ref.value !== undefined) {
          issueAt(doc, `${at}.value`, 'a binding is either {name, value} or {ref, kind}, not both');
          ok = false;
          return;
        }
        const kind = ref.kind ?? 'TriggerBinding';
        const target = find(doc, `${at}.ref`, kind, ref.ref, namespace);
        if (!target) {
          ok = false;
          return;
        }
        params = bindingModels.get(target) ?? [];
        source = `${kind} ${ref.ref}`;
      } else {
        if (ref.name === undefined || ref.value === undefined) {
          issueAt(doc, at, 'a binding needs {name, value} or {ref, kind}');
          ok = false;
          return;
        }
        try {
          params = [{ name: ref.name, parts: parseBindingValue(ref.value) }];
        } catch (err) {
          issueAt(doc, `${at}.value`, (err as Error).message);
          ok = false;
          return;
        }
        source = at;
      }
      for (const p of params) {
        const prior = boundBy.get(p.name);
        if (prior) {
          issueAt(doc, at, `param ${p.name} is bound twice (also by ${prior})`);
          ok = false;
          continue;
        }
        boundBy.set(p.name, source);
        out.push(p);
      }
    });
    return ok ? out : undefined;
  }

  function buildInterceptors(doc: Doc, field: string, specs: readonly InterceptorSpec[] | undefined) {
    const out: Interceptor[] = [];
    (specs ?? []).forEach((s, i) => {
      const built = buildInterceptor(s, `${field}[${i}]`, (f, message) => issueAt(doc, f, message));
      if (built) out.push(built);
    });
    return out;
  }

  function buildTrigger(
    doc: Doc,
    field: string,
    spec: TriggerSpec,
    name: string,
    namespace: string | undefined,
  ): BuiltTrigger {
    const before = issues.length;
    if (spec.triggerRef !== undefined) {
      issueAt(doc, `${field}.triggerRef`, 'only an EventListener’s inline trigger can be a triggerRef');
    }
    const interceptors = buildInterceptors(doc, `${field}.interceptors`, spec.interceptors);
    const bindings = resolveBindings(doc, `${field}.bindings`, spec.bindings ?? [], namespace);
    let template: TemplateModel | undefined;
    const t = spec.template;
    if (!t || (t.ref === undefined) === (t.spec === undefined)) {
      issueAt(doc, `${field}.template`, 'a trigger needs exactly one of template.ref and template.spec');
    } else if (t.ref !== undefined) {
      const target = find(doc, `${field}.template.ref`, 'TriggerTemplate', t.ref, namespace);
      if (target) template = templateModels.get(target);
    } else if (t.spec) {
      template = buildTemplate(doc, `${field}.template.spec`, `${name}-template`, t.spec, {});
    }
    if (template && bindings) {
      const bound = new Set(bindings.map((b) => b.name));
      for (const p of template.params) {
        if (p.default === undefined && !bound.has(p.name)) {
          issueAt(doc, `${field}.bindings`, `template param ${p.name} has no default and no binding`);
        }
      }
    }
    const authenticates = interceptors.some((x) => x.authenticates);
    if (issues.length !== before || !template || !bindings) return { name, authenticates, draft: undefined };
    return { name, authenticates, draft: { name, namespace, interceptors, bindings, template } };
  }

  const builtTriggers = new Map<Doc, BuiltTrigger>();
  for (const doc of docs.filter((d) => d.kind === 'Trigger')) {
    builtTriggers.set(
      doc,
      buildTrigger(doc, 'spec', doc.spec as TriggerSpec, doc.metadata.name, doc.metadata.namespace),
    );
  }

  const selectTriggers = (
    doc: Doc,
    field: string,
    namespaces: readonly string[] | undefined,
    selector: LabelSelector | undefined,
    own: string,
  ): Doc[] => {
    const selected = docs.filter((d) => {
      if (d.kind !== 'Trigger') return false;
      const ns = d.metadata.namespace;
      const inScope = namespaces
        ? namespaces.includes('*') || ns === undefined || namespaces.includes(ns)
        : ns === undefined || ns === own;
      return inScope && (!selector || matchesLabelSelector(d.metadata.labels ?? {}, selector));
    });
    if (selected.length === 0) issueAt(doc, field, 'selects no Trigger');
    return selected;
  };

  const listeners = new Map<string, ListenerModel>();
  for (const doc of docs.filter((d) => d.kind === 'EventListener')) {
    const spec = doc.spec as EventListenerSpec;
    const namespace = doc.metadata.namespace ?? 'default';
    const name = doc.metadata.name;
    const before = issues.length;
    if (listeners.has(name)) {
      issueAt(doc, 'metadata.name', `EventListener ${name} is defined twice; listener names are URL paths`);
      continue;
    }
    if (
      !spec.triggers?.length &&
      !spec.triggerGroups?.length &&
      !spec.labelSelector &&
      !spec.namespaceSelector
    ) {
      issueAt(
        doc,
        'spec',
        'an EventListener needs triggers, triggerGroups, labelSelector or namespaceSelector',
      );
    }
    const allowUnauthenticated = doc.metadata.annotations?.[allowUnauthenticatedAnnotation] === 'true';
    const hint = `add a github or harbor interceptor with secretRef, or annotate the EventListener ${allowUnauthenticatedAnnotation}: "true"`;
    const names = new Map<string, string>();
    /** Checks a selected trigger (once per listener, authenticated) and gives its model if valid. */
    const take = (
      built: BuiltTrigger | undefined,
      field: string,
      group?: { name: string; authenticates: boolean },
    ): TriggerModel[] => {
      if (!built) return [];
      const prior = names.get(built.name);
      if (prior) {
        issueAt(doc, field, `trigger ${built.name} is already selected by ${prior}; it would fire twice`);
        return [];
      }
      names.set(built.name, field);
      if (!allowUnauthenticated && !built.authenticates && !group?.authenticates) {
        const which = group ? `trigger ${built.name} in group ${group.name}` : `trigger ${built.name}`;
        issueAt(doc, field, `${which} does not authenticate its sender: ${hint}`);
      }
      return built.draft ? [{ ...built.draft, namespace: built.draft.namespace ?? namespace }] : [];
    };
    const triggers: TriggerModel[] = [];
    spec.triggers?.forEach((t, i) => {
      const field = `spec.triggers[${i}]`;
      if (t.triggerRef !== undefined) {
        const { triggerRef, name: _label, ...rest } = t;
        if (Object.keys(rest).length > 0) {
          issueAt(doc, field, `a triggerRef entry takes no ${Object.keys(rest).join(', ')}`);
          return;
        }
        const target = find(doc, `${field}.triggerRef`, 'Trigger', triggerRef, namespace);
        if (target) triggers.push(...take(builtTriggers.get(target), field));
        return;
      }
      triggers.push(...take(buildTrigger(doc, field, t, t.name ?? `${name}-${i}`, namespace), field));
    });
    if (spec.labelSelector || spec.namespaceSelector) {
      const field = spec.labelSelector ? 'spec.labelSelector' : 'spec.namespaceSelector';
      const selected = selectTriggers(
        doc,
        field,
        spec.namespaceSelector?.matchNames,
        spec.labelSelector,
        namespace,
      );
      for (const d of selected) triggers.push(...take(builtTriggers.get(d), field));
    }
    const groups: TriggerGroupModel[] = (spec.triggerGroups ?? []).map((g, i) => {
      const field = `spec.triggerGroups[${i}]`;
      const { namespaceSelector, labelSelector } = g.triggerSelector;
      const interceptors = buildInterceptors(doc, `${field}.interceptors`, g.interceptors);
      const group = { name: g.name, authenticates: interceptors.some((x) => x.authenticates) };
      if (!namespaceSelector && !labelSelector) {
        issueAt(doc, `${field}.triggerSelector`, 'needs a labelSelector or namespaceSelector');
        return { name: g.name, interceptors, triggers: [] };
      }
      const at = `${field}.triggerSelector`;
      const selected = selectTriggers(doc, at, namespaceSelector?.matchNames, labelSelector, namespace);
      return {
        name: g.name,
        interceptors,
        triggers: selected.flatMap((d) => take(builtTriggers.get(d), at, group)),
      };
    });
    if (issues.length !== before) continue;
    const uid =
      doc.metadata.uid ??
      createHash('sha256')
        .update(`${namespace}/${name}`)
        .digest('hex')
        .replace(/^(.{8})(.{4})(.{4})(.{4})(.{12}).*$/, '$1-$2-$3-$4-$5');
    listeners.set(name, { name, namespace, uid, allowUnauthenticated, triggers, groups });
  }

  const imageUpdatePolicies: { name: string; spec: ImageUpdatePolicySpec }[] = [];
  for (const doc of docs.filter((d) => d.kind === 'ImageUpdatePolicy')) {
    const spec = doc.spec as ImageUpdatePolicySpec;
    for (const p of imageUpdatePolicyProblems(spec)) issueAt(doc, `spec.${p.field}`, p.message);
    imageUpdatePolicies.push({ name: doc.metadata.name, spec });
  }
  const slackRoutes: LoadedConfig['slackRoutes'][number][] = [];
  for (const doc of docs.filter((d) => d.kind === 'SlackRoute')) {
    const spec = doc.spec as SlackRouteSpec;
    const { problems, when } = slackRouteProblems(spec);
    for (const p of problems) issueAt(doc, `spec.${p.field}`, p.message);
    slackRoutes.push({ name: doc.metadata.name, spec, ...(when ? { when } : {}) });
  }

  if (issues.length > 0) {
    return {
      ok: false,
      issues: issues.map((issue) => {
        if (issue.line !== undefined) return issue;
        const line = read.lineOf(issue);
        return line === undefined ? issue : { ...issue, line };
      }),
    };
  }
  return {
    ok: true,
    config: { dir, listeners, imageUpdatePolicies, slackRoutes, documentCount: docs.length },
  };
}
