import type { TemplateModel } from '../templates/render-template.ts';
import { buildInterceptors } from './build-interceptors.ts';
import { buildTemplate } from './build-template.ts';
import type { Binding, BuiltTrigger, ConfigIndex, DocReport } from './config-index.ts';
import { findDocument } from './find-document.ts';
import type { ConfigDocument } from './read-documents.ts';
import { resolveBindings } from './resolve-bindings.ts';
import type { TriggerSpec } from './schemas.ts';

/** The trigger's template: a TriggerTemplate it refers to, or its inline spec. */
function triggerTemplate(
  index: ConfigIndex,
  report: DocReport,
  doc: ConfigDocument,
  field: string,
  spec: TriggerSpec,
  name: string,
  namespace: string | undefined,
): TemplateModel | undefined {
  const t = spec.template;
  if (!t || (t.ref === undefined) === (t.spec === undefined)) {
    report(doc, `${field}.template`, 'a trigger needs exactly one of template.ref and template.spec');
    return undefined;
  }
  if (t.ref !== undefined) {
    const target = findDocument(
      index.docs,
      report,
      doc,
      `${field}.template.ref`,
      'TriggerTemplate',
      t.ref,
      namespace,
    );
    return target ? index.templates.get(target) : undefined;
  }
  return t.spec
    ? buildTemplate(doc, `${field}.template.spec`, `${name}-template`, t.spec, {}, report)
    : undefined;
}

/** Reports each template param that has neither a default nor a binding. */
function reportUnboundParams(
  report: DocReport,
  doc: ConfigDocument,
  field: string,
  template: TemplateModel,
  bindings: readonly Binding[],
): void {
  const bound = new Set(bindings.map((b) => b.name));
  for (const p of template.params) {
    if (p.default === undefined && !bound.has(p.name)) {
      report(doc, `${field}.bindings`, `template param ${p.name} has no default and no binding`);
    }
  }
}

/**
 * Builds a trigger — a Trigger document (`field` `spec`) or an EventListener's inline trigger —
 * with its interceptors, bindings and template. Whether it authenticates its sender is known even
 * when it is invalid (`draft` undefined), so a listener can report both problems.
 */
export function buildTrigger(
  index: ConfigIndex,
  report: DocReport,
  doc: ConfigDocument,
  field: string,
  spec: TriggerSpec,
  name: string,
  namespace: string | undefined,
): BuiltTrigger {
  let failed = false;
  const counted: DocReport = (d, f, message) => {
    failed = true;
    report(d, f, message);
  };
  if (spec.triggerRef !== undefined) {
    counted(doc, `${field}.triggerRef`, 'only an EventListener’s inline trigger can be a triggerRef');
  }
  const interceptors = buildInterceptors(doc, `${field}.interceptors`, spec.interceptors, counted);
  const bindings = resolveBindings(index, counted, doc, `${field}.bindings`, spec.bindings ?? [], namespace);
  const template = triggerTemplate(index, counted, doc, field, spec, name, namespace);
  if (template && bindings) reportUnboundParams(counted, doc, field, template, bindings);
  const authenticates = interceptors.some((x) => x.authenticates);
  if (failed || !template || !bindings) return { name, authenticates, draft: undefined };
  return { name, authenticates, draft: { name, namespace, interceptors, bindings, template } };
}
