import { parseBindingValue } from '../bindings/binding-value.ts';
import type { Binding, ConfigIndex, DocReport } from './config-index.ts';
import { findDocument } from './find-document.ts';
import type { ConfigDocument } from './read-documents.ts';
import type { BindingRef } from './schemas.ts';

/** One entry of a trigger's `bindings`: a referenced binding document's params, or an inline one. */
function bindingEntry(
  index: ConfigIndex,
  report: DocReport,
  doc: ConfigDocument,
  at: string,
  ref: BindingRef,
  namespace: string | undefined,
): { params: Binding[]; source: string } | undefined {
  if (ref.ref !== undefined) {
    if (ref.value !== undefined) {
      report(doc, `${at}.value`, 'a binding is either {name, value} or {ref, kind}, not both');
      return undefined;
    }
    const kind = ref.kind ?? 'TriggerBinding';
    const target = findDocument(index.docs, report, doc, `${at}.ref`, kind, ref.ref, namespace);
    if (!target) return undefined;
    return { params: index.bindings.get(target) ?? [], source: `${kind} ${ref.ref}` };
  }
  if (ref.name === undefined || ref.value === undefined) {
    report(doc, at, 'a binding needs {name, value} or {ref, kind}');
    return undefined;
  }
  try {
    return { params: [{ name: ref.name, parts: parseBindingValue(ref.value) }], source: at };
  } catch (err) {
    report(doc, `${at}.value`, (err as Error).message);
    return undefined;
  }
}

/**
 * Resolves a trigger's `bindings` (at `field`) into the params it binds, each bound once.
 * Returns undefined after reporting when any entry cannot be resolved or binds a param twice.
 */
export function resolveBindings(
  index: ConfigIndex,
  report: DocReport,
  doc: ConfigDocument,
  field: string,
  refs: readonly BindingRef[],
  namespace: string | undefined,
): Binding[] | undefined {
  const out: Binding[] = [];
  const boundBy = new Map<string, string>();
  let ok = true;
  refs.forEach((ref, i) => {
    const at = `${field}[${i}]`;
    const entry = bindingEntry(index, report, doc, at, ref, namespace);
    if (!entry) {
      ok = false;
      return;
    }
    for (const p of entry.params) {
      const prior = boundBy.get(p.name);
      if (prior) {
        report(doc, at, `param ${p.name} is bound twice (also by ${prior})`);
        ok = false;
        continue;
      }
      boundBy.set(p.name, entry.source);
      out.push(p);
    }
  });
  return ok ? out : undefined;
}
