import { CelError } from './cel-error.ts';

/**
 * CEL's `matches()` and Tekton's `translate()` are RE2 (linear time) in Tekton; here they run on
 * V8's RegExp. The process runs with V8's linear engine as a fallback on excessive backtracking,
 * which covers every pattern without backreferences or lookarounds; those (not RE2 either) are
 * refused, and RE2-only syntax is refused with a hint instead of silently meaning something else.
 * Returns the message of the problem, or undefined when the pattern is usable.
 */
export function regexProblem(pattern: string): string | undefined {
  if (/\\[1-9]|\\k</.test(pattern))
    return 'backreferences are not supported (RE2 has none; they defeat the linear regex engine)';
  if (/\(\?<?[=!]/.test(pattern))
    return 'lookarounds are not supported (RE2 has none; they defeat the linear regex engine)';
  if (/\(\?[imsU-]+\)/.test(pattern) || /\(\?[imsU-]+:/.test(pattern)) {
    return 'RE2 inline flags such as (?i) are not supported; use a character class such as [Mm]ain';
  }
  if (/\\[pP][A-Z{]/.test(pattern)) return 'RE2 Unicode classes such as \\pL are not supported';
  if (/\\[zACQE]/.test(pattern))
    return 'RE2-only escapes (\\z, \\A, \\C, \\Q…\\E) are not supported; use $ or ^';
  try {
    new RegExp(pattern.replace(/\(\?P</g, '(?<'), 'u');
  } catch (err) {
    return `invalid regular expression: ${(err as Error).message}`;
  }
  return undefined;
}

/** Compiles an RE2-style pattern to a JS RegExp (named groups `(?P<n>…)` → `(?<n>…)`), or throws. */
export function compileRegex(pattern: string, flags = ''): RegExp {
  const problem = regexProblem(pattern);
  if (problem) throw new CelError('CEL_EVAL', `regex ${JSON.stringify(pattern)}: ${problem}`);
  return new RegExp(pattern.replace(/\(\?P</g, '(?<'), flags);
}
