import type { DocReport } from './config-index.ts';
import type { ConfigDocument } from './read-documents.ts';

/**
 * Reports every document whose kind, namespace and name repeat an earlier one's (the first one
 * wins; a ClusterTriggerBinding is cluster-wide, so its namespace does not count).
 */
export function reportDuplicateDocuments(docs: readonly ConfigDocument[], report: DocReport): void {
  const byKey = new Map<string, ConfigDocument>();
  for (const doc of docs) {
    const scope = doc.kind === 'ClusterTriggerBinding' ? '' : (doc.metadata.namespace ?? '');
    const key = `${doc.kind}/${scope}/${doc.metadata.name}`;
    const prior = byKey.get(key);
    if (prior) {
      report(
        doc,
        'metadata.name',
        `duplicate ${doc.kind} ${doc.metadata.name} (also in ${prior.file} document ${prior.index})`,
      );
    } else byKey.set(key, doc);
  }
}
