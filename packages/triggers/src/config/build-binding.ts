import { parseBindingValue } from '../bindings/binding-value.ts';
import type { Binding, DocReport } from './config-index.ts';
import type { ConfigDocument } from './read-documents.ts';

/**
 * Parses a TriggerBinding or ClusterTriggerBinding document's params once, so a bad value is
 * reported once, where it is written, however many triggers refer to it. Params that cannot be
 * parsed are left out after reporting.
 */
export function buildBinding(doc: ConfigDocument, report: DocReport): Binding[] {
  const out: Binding[] = [];
  const seen = new Set<string>();
  ((doc.spec as { params?: { name: string; value: string }[] }).params ?? []).forEach((p, i) => {
    if (seen.has(p.name)) report(doc, `spec.params[${i}].name`, `duplicate param ${p.name}`);
    seen.add(p.name);
    try {
      out.push({ name: p.name, parts: parseBindingValue(p.value) });
    } catch (err) {
      report(doc, `spec.params[${i}].value`, (err as Error).message);
    }
  });
  return out;
}
