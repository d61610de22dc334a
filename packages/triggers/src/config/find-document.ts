import type { DocReport } from './config-index.ts';
import type { ConfigDocument } from './read-documents.ts';
import type { KindName } from './schemas.ts';

/**
 * Resolves a reference from `doc` (at `field`) to a document of `kind` named `name`: one in the
 * same namespace first, then a namespace-less one; `namespace` undefined means any, and is an
 * error when the name exists in several. A ClusterTriggerBinding has no namespace. Reports and
 * returns undefined when nothing (or nothing unambiguous) is found.
 */
export function findDocument(
  docs: readonly ConfigDocument[],
  report: DocReport,
  doc: ConfigDocument,
  field: string,
  kind: KindName,
  name: string,
  namespace: string | undefined,
): ConfigDocument | undefined {
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
    report(
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
    report(doc, field, `${kind} ${name} exists in several namespaces; give this document a namespace`);
    return undefined;
  }
  return found;
}
