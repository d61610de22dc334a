import type { ImageUpdatePolicySpec } from '@signalbox/triggers';
import semver from 'semver';

/** A policy's tag rules, compiled once. */
export interface TagRules {
  /** Why `tag` is not a candidate (pattern or range), or undefined when it is. */
  rejects(tag: string): string | undefined;
  /**
   * Order of two candidates, newest wins: by semver when both tags are versions (a policy with a
   * semver range always has versions), else by when each was pushed — tags such as commit shas
   * have no order of their own.
   */
  compare(a: { tag: string; at: number }, b: { tag: string; at: number }): number;
}

const version = (tag: string) => semver.valid(tag.replace(/^v(?=\d)/, ''));

/** Compiles `tags.pattern` (anchored as written) and `tags.semver` (a range, pre-releases excluded unless the range names one). */
export function compileTagRules(tags: ImageUpdatePolicySpec['tags']): TagRules {
  const pattern = tags?.pattern === undefined ? undefined : new RegExp(tags.pattern);
  const range = tags?.semver;
  return {
    rejects(tag) {
      if (pattern && !pattern.test(tag)) return `tag ${tag} does not match ${tags?.pattern}`;
      if (range !== undefined) {
        const v = version(tag);
        if (!v) return `tag ${tag} is not a semver version (the policy's range is ${range})`;
        if (!semver.satisfies(v, range)) return `tag ${tag} is outside ${range}`;
      }
      return undefined;
    },
    compare(a, b) {
      const va = version(a.tag);
      const vb = version(b.tag);
      if (va && vb) {
        const byVersion = semver.compare(va, vb);
        if (byVersion !== 0) return byVersion;
      } else if (a.tag === b.tag) return 0;
      return a.at - b.at;
    },
  };
}
