import type { FileChange } from '@signalbox/manifests';

export interface UpdateDescription {
  readonly policy: string;
  readonly image: string;
  readonly tag: string;
  readonly digest?: string | undefined;
  readonly pin: 'tag' | 'digest' | 'tag@digest';
  readonly targetBranch: string;
  /** The scan gate's summary (`no scan gate`, `highest severity Low (below High)`…). */
  readonly scan: string;
  /**
   * The Harbor event that let the update through: the scan's when a gate passed it, else the
   * push. Named by type only — the push's job or its scan's may be the one that applies the update,
   * and the commit must come out identical either way (one commit per image).
   */
  readonly event: string;
}

/** The reference the manifests now hold, as pinned. */
export function newReference(d: Pick<UpdateDescription, 'tag' | 'digest' | 'pin'>): string {
  if (d.pin === 'digest' && d.digest) return `@${d.digest}`;
  if (d.pin === 'tag@digest' && d.digest) return `:${d.tag}@${d.digest}`;
  return `:${d.tag}`;
}

/** Every old → new value the editor wrote, one line each, with its file and field. */
function changeLines(changed: readonly FileChange[]): string[] {
  return changed.flatMap((file) =>
    file.edits.map((e) => `- \`${file.path}\` ${e.field}: \`${e.old}\` → \`${e.new}\``),
  );
}

/**
 * Commit message and PR text. The title (and commit subject) starts with the policy's prefix —
 * `[Update manifest]` by default, which the CI trigger's filter skips, so the commit starts no
 * build — and names the image as pinned; the body says what changed where, why it was allowed
 * (scan), and which Harbor event asked for it.
 */
export function pullRequestText(
  prefix: string,
  d: UpdateDescription,
  changed: readonly FileChange[],
): { title: string; body: string } {
  const title = `${prefix} ${d.image}${newReference(d)}`;
  const body = [
    `Points \`${d.image}\` at \`${d.tag}\`${d.digest ? ` (\`${d.digest}\`)` : ''} on \`${d.targetBranch}\`, pinned by ${d.pin}.`,
    '',
    ...changeLines(changed),
    '',
    `Scan: ${d.scan}`,
    `Harbor event: ${d.event}${d.digest ? ` for ${d.digest}` : ''}`,
    `Policy: ${d.policy}`,
    '',
    'Opened by Signalbox. A newer tag rebuilds this branch from the target branch and updates this pull request; do not push to the branch.',
  ].join('\n');
  return { title, body };
}
