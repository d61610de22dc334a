import type { DocReport } from './config-index.ts';
import { matchesLabelSelector } from './matches-label-selector.ts';
import type { ConfigDocument } from './read-documents.ts';
import type { LabelSelector } from './schemas.ts';

/**
 * The Trigger documents a listener's or group's selector picks: in the named namespaces (`*` for
 * all; by default the listener's own) or namespace-less, and matching the label selector if any.
 * Selecting none is reported: it is always a mistake.
 */
export function selectTriggers(
  docs: readonly ConfigDocument[],
  report: DocReport,
  doc: ConfigDocument,
  field: string,
  namespaces: readonly string[] | undefined,
  selector: LabelSelector | undefined,
  own: string,
): ConfigDocument[] {
  const selected = docs.filter((d) => {
    if (d.kind !== 'Trigger') return false;
    const ns = d.metadata.namespace;
    const inScope = namespaces
      ? namespaces.includes('*') || ns === undefined || namespaces.includes(ns)
      : ns === undefined || ns === own;
    return inScope && (!selector || matchesLabelSelector(d.metadata.labels ?? {}, selector));
  });
  if (selected.length === 0) report(doc, field, 'selects no Trigger');
  return selected;
}
