import type { z } from 'zod';

type Issue = z.core.$ZodIssue;

function fieldOf(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)),
    '',
  );
}

function flatten(
  issues: readonly Issue[],
  base: readonly PropertyKey[],
): { path: PropertyKey[]; issue: Issue }[] {
  return issues.flatMap((issue) => {
    const path = [...base, ...issue.path];
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      // The branch the author most likely meant is the one that comes closest to matching.
      const closest = [...issue.errors].sort((a, b) => a.length - b.length)[0] ?? [];
      return flatten(closest, path);
    }
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: [...path, key], issue }));
    }
    return [{ path, issue }];
  });
}

function messageOf(issue: Issue): string {
  if (issue.code === 'unrecognized_keys') return 'unknown field';
  if (issue.code === 'invalid_type' && / received undefined$/.test(issue.message)) {
    return `required (${issue.expected})`;
  }
  if (issue.code === 'invalid_type') return issue.message.replace(/^Invalid input: /, '');
  return issue.message;
}

/**
 * Zod issues as located config problems: each unknown key gets its own field (so a typo such as
 * `interceptor:` names itself), a union reports the branch that came closest, and a missing field
 * reads "required".
 */
export function describeZodIssues(
  issues: readonly Issue[],
  base: readonly PropertyKey[],
): { field: string; message: string }[] {
  return flatten(issues, base).map(({ path, issue }) => ({
    field: fieldOf(path),
    message: messageOf(issue),
  }));
}
