import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { z } from 'zod';
import { type BindingPart, parseBindingValue } from '../bindings/binding-value.ts';
import { CelError } from '../cel/cel-error.ts';
import { type CelProgram, compileCel } from '../cel/compile-cel.ts';
import { celInterceptor } from '../interceptors/cel-interceptor.ts';
import { githubInterceptor } from '../interceptors/github-interceptor.ts';
import { harborInterceptor } from '../interceptors/harbor-interceptor.ts';
import type { Interceptor } from '../interceptors/interceptor.ts';
import { type TemplateModel, usedTemplateParams } from '../templates/render-template.ts';
import type { ConfigIssue } from '../types.ts';
import type { ListenerModel, LoadResult, TriggerGroupModel, TriggerModel } from './config-model.ts';
import {
  type BindingRef,
  type InterceptorSpec,
  type KindName,
  kinds,
  type LabelSelector,
  type Metadata,
  metadataSchema,
  secretRefSchema,
  type TemplateSpec,
  type TriggerSpec,
} from './schemas.ts';

interface Doc {
  readonly file: string;
  readonly index: number;
  readonly kind: KindName;
  readonly metadata: Metadata;
  readonly spec: unknown;
}

const versions: Record<string, readonly string[]> = {
  'triggers.tekton.dev': ['v1beta1', 'v1alpha1'],
  'signalbox.dev': ['v1alpha1'],
};

function zodPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)),
    '',
  );
}

function listYamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    if (entry.name.startsWith('.')) continue; // ConfigMap mounts keep their data behind ..data symlinks
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listYamlFiles(path));
    else if (/\.ya?ml$/.test(entry.name) && statSync(path).isFile()) out.push(path);
  }
  return out;
}

function matchesSelector(labels: Readonly<Record<string, string>>, selector: LabelSelector): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const value = labels[e.key];
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
    if (e.operator === 'In' && !(has && e.values?.includes(value as string))) return false;
    if (e.operator === 'NotIn' && has && e.values?.includes(value as string)) return false;
  }
  return true;
}

/**
 * Loads and validates a config directory of multi-document YAML. Every problem is reported (not
 * just the first) with file, document (index and name) and field path; CEL is compiled here, once.
 */
export function loadConfig(dir: string): LoadResult {
  const issues: ConfigIssue[] = [];
  const docs: Doc[] = [];
  let files: string[];
  try {
    files = listYamlFiles(dir);
  } catch (err) {
    return {
      ok: false,
      issues: [
        {
          file: dir,
          documentIndex: 0,
          field: '',
          message: `cannot read config directory: ${(err as Error).message}`,
        },
      ],
    };
  }

  for (const path of files) {
    const file = relative(process.cwd(), path) || path;
    const parsed = parseAllDocuments(readFileSync(path, 'utf8'), { prettyErrors: false });
    const list = Array.isArray(parsed) ? parsed : [];
    if (!Array.isArray(parsed)) {
      issues.push({ file, documentIndex: 0, field: '', message: 'not a YAML stream' });
      continue;
    }
    for (const [index, yamlDoc] of list.entries()) {
      const at = (field: string, message: string, name?: string) =>
        issues.push({ file, documentIndex: index, ...(name ? { documentName: name } : {}), field, message });
      if (yamlDoc.errors.length > 0) {
        for (const e of yamlDoc.errors) at('', `YAML: ${e.message.split('\n')[0]}`);
        continue;
      }
      const value = yamlDoc.toJS() as unknown;
      if (value === null || value === undefined) continue;
      if (typeof value !== 'object' || Array.isArray(value)) {
        at('', 'a document must be a mapping');
        continue;
      }
      const raw = value as Record<string, unknown>;
      const rawName = (raw.metadata as { name?: unknown } | undefined)?.name;
      const name = typeof rawName === 'string' ? rawName : undefined;
      const kind = raw.kind;
      if (typeof kind !== 'string' || !(kind in kinds)) {
        at(
          'kind',
          `unknown kind ${JSON.stringify(kind)}; expected one of ${Object.keys(kinds).join(', ')}`,
          name,
        );
        continue;
      }
      const def = kinds[kind as KindName];
      const [group, version] = String(raw.apiVersion ?? '').split('/');
      if (group !== def.group || !versions[def.group]?.includes(version ?? '')) {
        at(
          'apiVersion',
          `${kind} needs apiVersion ${versions[def.group]?.map((v) => `${def.group}/${v}`).join(' or ')}`,
          name,
        );
      }
      for (const key of Object.keys(raw)) {
        if (!['apiVersion', 'kind', 'metadata', 'spec', 'status'].includes(key))
          at(key, 'unknown field', name);
      }
      const metadata = metadataSchema.safeParse(raw.metadata);
      if (!metadata.success) {
        for (const i of metadata.error.issues) at(zodPath(['metadata', ...i.path]), i.message, name);
        continue;
      }
      const spec = (def.spec as z.ZodType).safeParse(raw.spec ?? {});
      if (!spec.success) {
        for (const i of spec.error.issues) at(zodPath(['spec', ...i.path]), i.message, name);
        continue;
      }
      docs.push({ file, index, kind: kind as KindName, metadata: metadata.data, spec: spec.data });
    }
  }

  const byKind = new Map<string, Doc>();
  for (const doc of docs) {
    const key = `${doc.kind}/${doc.kind === 'ClusterTriggerBinding' ? '' : (doc.metadata.namespace ?? '')}/${doc.metadata.name}`;
    const prior = byKind.get(key);
    if (prior) {
      issues.push({
        file: doc.file,
        documentIndex: doc.index,
        documentName: doc.metadata.name,
        field: 'metadata.name',
        message: `duplicate ${doc.kind} ${doc.metadata.name} (also in ${prior.file}:${prior.index})`,
      });
    } else byKind.set(key, doc);
  }
  const find = (kind: KindName, name: string, namespace: string | undefined) =>
    docs.find(
      (d) =>
        d.kind === kind &&
        d.metadata.name === name &&
        (kind === 'ClusterTriggerBinding' || (d.metadata.namespace ?? '') === (namespace ?? '')),
    ) ?? docs.find((d) => d.kind === kind && d.metadata.name === name);

  const issueAt = (doc: Doc, field: string, message: string) =>
    issues.push({
      file: doc.file,
      documentIndex: doc.index,
      documentName: doc.metadata.name,
      field,
      message,
    });

  function compile(
    doc: Doc,
    field: string,
    expression: unknown,
    expect: 'bool' | 'any',
  ): CelProgram | undefined {
    if (typeof expression !== 'string' || expression.trim() === '') {
      issueAt(doc, field, 'must be a non-empty CEL expression string');
      return undefined;
    }
    try {
      return compileCel(expression, { expect });
    } catch (err) {
      issueAt(
        doc,
        field,
        err instanceof CelError
          ? `CEL ${err.code === 'CEL_PARSE' ? 'parse' : 'check'} error: ${err.message}`
          : String(err),
      );
      return undefined;
    }
  }

  function buildInterceptor(doc: Doc, field: string, spec: InterceptorSpec): Interceptor | undefined {
    const params = new Map<string, unknown>();
    spec.params?.forEach((p, i) => {
      if (params.has(p.name)) issueAt(doc, `${field}.params[${i}].name`, `duplicate param ${p.name}`);
      params.set(p.name, p.value);
    });
    const paramField = (name: string) =>
      `${field}.params[${spec.params?.findIndex((p) => p.name === name)}].value`;
    const label = spec.name ? `${spec.ref.name} (${spec.name})` : spec.ref.name;
    const allowed: Record<string, string[]> = {
      github: ['secretRef', 'eventTypes', 'addChangedFiles', 'githubOwners'],
      harbor: ['secretRef', 'eventTypes'],
      cel: ['filter', 'overlays'],
    };
    const known = allowed[spec.ref.name];
    if (!known) {
      issueAt(
        doc,
        `${field}.ref.name`,
        `interceptor ${spec.ref.name} is not supported; use github, harbor or cel`,
      );
      return undefined;
    }
    for (const name of params.keys()) {
      if (!known.includes(name))
        issueAt(
          doc,
          `${field}.params`,
          `unknown ${spec.ref.name} param ${name}; expected ${known.join(', ')}`,
        );
    }
    const secretRef = () => {
      if (!params.has('secretRef')) return undefined;
      const parsed = secretRefSchema.safeParse(params.get('secretRef'));
      if (!parsed.success) {
        issueAt(doc, paramField('secretRef'), 'must be {secretName, secretKey}');
        return undefined;
      }
      return parsed.data;
    };
    const eventTypes = () => {
      if (!params.has('eventTypes')) return undefined;
      const v = params.get('eventTypes');
      if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) {
        issueAt(doc, paramField('eventTypes'), 'must be a list of strings');
        return undefined;
      }
      return v as string[];
    };
    switch (spec.ref.name) {
      case 'github': {
        const changed = params.get('addChangedFiles') as
          | { enabled?: unknown; personalAccessToken?: unknown }
          | undefined;
        let addChangedFiles:
          | { enabled: boolean; personalAccessToken?: { secretName: string; secretKey: string } }
          | undefined;
        if (changed !== undefined) {
          const token =
            changed.personalAccessToken === undefined
              ? undefined
              : secretRefSchema.safeParse(changed.personalAccessToken);
          if (
            typeof changed !== 'object' ||
            typeof changed.enabled !== 'boolean' ||
            (token && !token.success)
          ) {
            issueAt(
              doc,
              paramField('addChangedFiles'),
              'must be {enabled: bool, personalAccessToken?: {secretName, secretKey}}',
            );
          } else
            addChangedFiles = {
              enabled: changed.enabled,
              ...(token?.success ? { personalAccessToken: token.data } : {}),
            };
        }
        if (params.has('githubOwners')) {
          issueAt(doc, paramField('githubOwners'), 'githubOwners is not supported by Signalbox yet');
        }
        const ref = secretRef();
        const types = eventTypes();
        return githubInterceptor({
          label,
          ...(ref ? { secretRef: ref } : {}),
          ...(types ? { eventTypes: types } : {}),
          ...(addChangedFiles ? { addChangedFiles } : {}),
        });
      }
      case 'harbor': {
        const ref = secretRef();
        const types = eventTypes();
        return harborInterceptor({
          label,
          ...(ref ? { secretRef: ref } : {}),
          ...(types ? { eventTypes: types } : {}),
        });
      }
      default: {
        const filter = params.has('filter')
          ? compile(doc, paramField('filter'), params.get('filter'), 'bool')
          : undefined;
        const overlays: { key: string; program: CelProgram }[] = [];
        const rawOverlays = params.get('overlays');
        if (rawOverlays !== undefined) {
          if (!Array.isArray(rawOverlays))
            issueAt(doc, paramField('overlays'), 'must be a list of {key, expression}');
          else
            rawOverlays.forEach((o: { key?: unknown; expression?: unknown }, i) => {
              if (typeof o?.key !== 'string' || o.key === '') {
                issueAt(doc, `${paramField('overlays')}[${i}].key`, 'must be a non-empty string');
                return;
              }
              const program = compile(doc, `${paramField('overlays')}[${i}].expression`, o.expression, 'any');
              if (program) overlays.push({ key: o.key, program });
            });
        }
        return celInterceptor({ label, ...(filter ? { filter } : {}), overlays });
      }
    }
  }

  function buildInterceptors(
    doc: Doc,
    field: string,
    specs: readonly InterceptorSpec[] | undefined,
  ): Interceptor[] {
    return (specs ?? []).flatMap((s, i) => buildInterceptor(doc, `${field}[${i}]`, s) ?? []);
  }

  const templateCache = new Map<Doc, TemplateModel | undefined>();
  function buildTemplate(
    doc: Doc,
    field: string,
    name: string,
    spec: TemplateSpec,
    annotations: Record<string, string>,
  ) {
    const declared = new Set<string>();
    spec.params?.forEach((p, i) => {
      if (declared.has(p.name)) issueAt(doc, `${field}.params[${i}].name`, `duplicate param ${p.name}`);
      declared.add(p.name);
    });
    const resourceJson = spec.resourcetemplates.map((r, i) => {
      if (typeof r.apiVersion !== 'string' || typeof r.kind !== 'string') {
        issueAt(doc, `${field}.resourcetemplates[${i}]`, 'a resource template needs apiVersion and kind');
      }
      const json = JSON.stringify(r);
      for (const used of usedTemplateParams(json)) {
        if (!declared.has(used))
          issueAt(doc, `${field}.resourcetemplates[${i}]`, `$(tt.params.${used}) is not declared in params`);
      }
      return json;
    });
    for (const [k, v] of Object.entries(annotations)) {
      for (const used of usedTemplateParams(v)) {
        if (!declared.has(used))
          issueAt(doc, `metadata.annotations.${k}`, `$(tt.params.${used}) is not declared in params`);
      }
    }
    const model: TemplateModel = {
      name,
      params: (spec.params ?? []).map((p) => ({
        name: p.name,
        ...(p.default !== undefined ? { default: p.default } : {}),
      })),
      resourceJson,
      annotations,
    };
    return model;
  }

  function resolveBindings(
    doc: Doc,
    field: string,
    refs: readonly BindingRef[],
    namespace: string | undefined,
  ) {
    const out: { name: string; parts: BindingPart[] }[] = [];
    const seen = new Map<string, string>();
    refs.forEach((ref, i) => {
      let params: { name: string; value: string; where: string; source: Doc }[];
      if ('value' in ref)
        params = [{ name: ref.name, value: ref.value, where: `${field}[${i}].value`, source: doc }];
      else {
        const kind = ref.kind ?? 'TriggerBinding';
        const target = find(kind, ref.ref, namespace);
        if (!target) {
          issueAt(doc, `${field}[${i}].ref`, `${kind} ${ref.ref} not found`);
          return;
        }
        params = ((target.spec as { params?: { name: string; value: string }[] }).params ?? []).map(
          (p, j) => ({
            ...p,
            where: `spec.params[${j}].value`,
            source: target,
          }),
        );
      }
      for (const p of params) {
        const prior = seen.get(p.name);
        if (prior) {
          issueAt(doc, `${field}[${i}]`, `param ${p.name} is bound twice (also by ${prior})`);
          continue;
        }
        seen.set(p.name, 'value' in ref ? `${field}[${i}]` : `${ref.kind ?? 'TriggerBinding'} ${ref.ref}`);
        try {
          out.push({ name: p.name, parts: parseBindingValue(p.value) });
        } catch (err) {
          issueAt(p.source, p.where, (err as Error).message);
        }
      }
    });
    return out;
  }

  function buildTrigger(
    doc: Doc,
    field: string,
    spec: TriggerSpec,
    name: string,
    namespace: string,
  ): TriggerModel | undefined {
    const before = issues.length;
    const interceptors = buildInterceptors(doc, `${field}.interceptors`, spec.interceptors);
    const bindings = resolveBindings(doc, `${field}.bindings`, spec.bindings ?? [], namespace);
    let template: TemplateModel | undefined;
    if (!spec.template) issueAt(doc, `${field}.template`, 'a trigger needs template.ref or template.spec');
    else if ('ref' in spec.template) {
      const target = find('TriggerTemplate', spec.template.ref, namespace);
      if (!target) issueAt(doc, `${field}.template.ref`, `TriggerTemplate ${spec.template.ref} not found`);
      else {
        if (!templateCache.has(target)) {
          const n = issues.length;
          const model = buildTemplate(
            target,
            'spec',
            target.metadata.name,
            target.spec as TemplateSpec,
            target.metadata.annotations ?? {},
          );
          templateCache.set(target, issues.length === n ? model : undefined);
        }
        template = templateCache.get(target);
      }
    } else
      template = buildTemplate(doc, `${field}.template.spec`, `${name}-template`, spec.template.spec, {});
    if (template) {
      const bound = new Set(bindings.map((b) => b.name));
      for (const p of template.params) {
        if (p.default === undefined && !bound.has(p.name)) {
          issueAt(doc, `${field}.bindings`, `template param ${p.name} has no default and no binding`);
        }
      }
    }
    if (issues.length !== before || !template) return undefined;
    return { name, namespace, interceptors, bindings, template };
  }

  const triggerCache = new Map<Doc, TriggerModel | undefined>();
  const triggerDoc = (doc: Doc) => {
    if (!triggerCache.has(doc)) {
      const spec = doc.spec as TriggerSpec;
      triggerCache.set(
        doc,
        buildTrigger(doc, 'spec', spec, doc.metadata.name, doc.metadata.namespace ?? 'default'),
      );
    }
    return triggerCache.get(doc);
  };
  const selectTriggers = (
    namespaces: readonly string[] | undefined,
    selector: LabelSelector | undefined,
    own: string,
  ) =>
    docs.filter(
      (d) =>
        d.kind === 'Trigger' &&
        (namespaces
          ? namespaces.includes('*') || namespaces.includes(d.metadata.namespace ?? 'default')
          : (d.metadata.namespace ?? 'default') === own) &&
        (!selector || matchesSelector(d.metadata.labels ?? {}, selector)),
    );

  const listeners = new Map<string, ListenerModel>();
  for (const doc of docs.filter((d) => d.kind === 'EventListener')) {
    const spec = doc.spec as z.infer<typeof kinds.EventListener.spec>;
    const namespace = doc.metadata.namespace ?? 'default';
    const name = doc.metadata.name;
    if (listeners.has(name)) {
      issueAt(
        doc,
        'metadata.name',
        `EventListener ${name} is defined twice; listener names are URL paths and must be unique`,
      );
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
    const triggers: TriggerModel[] = [];
    const names = new Set<string>();
    const add = (t: TriggerModel | undefined, field: string) => {
      if (!t) return;
      if (names.has(t.name)) issueAt(doc, field, `trigger name ${t.name} is used twice in this listener`);
      names.add(t.name);
      triggers.push(t);
    };
    spec.triggers?.forEach((t, i) => {
      const field = `spec.triggers[${i}]`;
      if (t.triggerRef) {
        const target = find('Trigger', t.triggerRef, namespace);
        if (!target) issueAt(doc, `${field}.triggerRef`, `Trigger ${t.triggerRef} not found`);
        else add(triggerDoc(target), field);
        return;
      }
      add(buildTrigger(doc, field, t, t.name ?? `${name}-${i}`, namespace), field);
    });
    if (spec.labelSelector || spec.namespaceSelector) {
      for (const d of selectTriggers(spec.namespaceSelector?.matchNames, spec.labelSelector, namespace)) {
        add(triggerDoc(d), 'spec.labelSelector');
      }
    }
    const groups: TriggerGroupModel[] = (spec.triggerGroups ?? []).map((g, i) => ({
      name: g.name,
      interceptors: buildInterceptors(doc, `spec.triggerGroups[${i}].interceptors`, g.interceptors),
      triggers: selectTriggers(
        g.triggerSelector.namespaceSelector?.matchNames,
        g.triggerSelector.labelSelector,
        namespace,
      ).flatMap((d) => triggerDoc(d) ?? []),
    }));
    const allowUnauthenticated = doc.metadata.annotations?.['signalbox.dev/allow-unauthenticated'] === 'true';
    if (!allowUnauthenticated) {
      for (const t of triggers) {
        if (!t.interceptors.some((x) => x.authenticates)) {
          issueAt(
            doc,
            'spec.triggers',
            `trigger ${t.name} does not authenticate its sender: add a github or harbor interceptor with secretRef, or annotate the EventListener signalbox.dev/allow-unauthenticated: "true"`,
          );
        }
      }
      groups.forEach((g, i) => {
        for (const t of g.triggers) {
          if (!g.interceptors.some((x) => x.authenticates) && !t.interceptors.some((x) => x.authenticates)) {
            issueAt(
              doc,
              `spec.triggerGroups[${i}]`,
              `trigger ${t.name} in group ${g.name} does not authenticate its sender`,
            );
          }
        }
      });
    }
    const uid =
      doc.metadata.uid ??
      createHash('sha256')
        .update(`${namespace}/${name}`)
        .digest('hex')
        .replace(/^(.{8})(.{4})(.{4})(.{4})(.{12}).*$/, '$1-$2-$3-$4-$5');
    listeners.set(name, { name, namespace, uid, allowUnauthenticated, triggers, groups });
  }
  // Triggers, bindings and templates no listener references are still validated.
  for (const doc of docs) if (doc.kind === 'Trigger') triggerDoc(doc);

  if (issues.length > 0) return { ok: false, issues };
  return {
    ok: true,
    config: {
      dir,
      listeners,
      imageUpdatePolicies: docs
        .filter((d) => d.kind === 'ImageUpdatePolicy')
        .map((d) => ({
          name: d.metadata.name,
          spec: d.spec as z.infer<typeof kinds.ImageUpdatePolicy.spec>,
        })),
      slackRoutes: docs
        .filter((d) => d.kind === 'SlackRoute')
        .map((d) => ({ name: d.metadata.name, spec: d.spec as z.infer<typeof kinds.SlackRoute.spec> })),
      documentCount: docs.length,
    },
  };
}
