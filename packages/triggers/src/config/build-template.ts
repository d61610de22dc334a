import { concurrencyFromAnnotations } from '../templates/concurrency-from-annotations.ts';
import { type TemplateModel, usedTemplateParams } from '../templates/render-template.ts';
import { resourceTemplateProblems } from '../templates/resource-template-problems.ts';
import type { DocReport } from './config-index.ts';
import type { ConfigDocument } from './read-documents.ts';
import type { TemplateSpec } from './schemas.ts';

/**
 * Validates a template — a TriggerTemplate document (`field` `spec`) or a trigger's inline
 * `template.spec` — and serialises its resources once: params declared once, every
 * `$(tt.params.X)` in a resource or annotation declared, resources and concurrency annotations
 * well-formed. Returns undefined after reporting any problem.
 */
export function buildTemplate(
  doc: ConfigDocument,
  field: string,
  name: string,
  spec: TemplateSpec,
  annotations: Readonly<Record<string, string>>,
  report: DocReport,
): TemplateModel | undefined {
  let failed = false;
  const problem = (at: string, message: string) => {
    failed = true;
    report(doc, at, message);
  };
  const declared = new Set<string>();
  spec.params?.forEach((p, i) => {
    if (declared.has(p.name)) problem(`${field}.params[${i}].name`, `duplicate param ${p.name}`);
    declared.add(p.name);
  });
  const resourceJson = spec.resourcetemplates.map((r, i) => {
    const at = `${field}.resourcetemplates[${i}]`;
    for (const p of resourceTemplateProblems(r)) problem(`${at}.${p.field}`, p.message);
    const json = JSON.stringify(r);
    for (const used of new Set(usedTemplateParams(json))) {
      if (!declared.has(used)) problem(at, `$(tt.params.${used}) is not declared in params`);
    }
    return json;
  });
  for (const [k, v] of Object.entries(annotations)) {
    for (const used of new Set(usedTemplateParams(v))) {
      if (!declared.has(used))
        problem(`metadata.annotations.${k}`, `$(tt.params.${used}) is not declared in params`);
    }
  }
  for (const p of concurrencyFromAnnotations(annotations).problems) {
    problem(`metadata.annotations.${p.annotation}`, p.message);
  }
  if (failed) return undefined;
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
