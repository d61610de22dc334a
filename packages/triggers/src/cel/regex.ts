import v8 from 'node:v8';
import { CelError } from './cel-error.ts';
import { translateRe2 } from './translate-re2.ts';

/** A variable, not a literal: `l` only exists behind a V8 flag (and lint would make it a literal). */
const linearFlag = 'l';
let linearProbe: ((source: string) => boolean) | undefined;

/**
 * CEL's `matches()` and Tekton's `translate()` are RE2 (linear time) in Tekton; here they run on
 * V8's RegExp. V8 falls back to its linear engine on excessive backtracking when
 * `--enable-experimental-regexp-engine-on-excessive-backtracks` is set — the CLI launcher sets it,
 * and so does this module, so the guard holds in every process that evaluates CEL (V8 reads it
 * when a regex backtracks, so setting it late works). `--enable-experimental-regexp-engine` lets
 * V8 itself say whether its linear engine can run a pattern (the `l` flag); without it the
 * translator's construction is the only guarantee.
 */
function canRunLinear(source: string): boolean {
  if (!linearProbe) {
    v8.setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');
    v8.setFlagsFromString('--enable-experimental-regexp-engine');
    let available = true;
    try {
      new RegExp('', linearFlag);
    } catch {
      available = false;
    }
    linearProbe = available
      ? (s) => {
          try {
            new RegExp(s, linearFlag);
            return true;
          } catch {
            return false;
          }
        }
      : () => true;
  }
  return linearProbe(source);
}

/** RE2 pattern → JS source that V8's linear engine runs, or the problem as a message. */
function linearSource(pattern: string, captures: boolean): { source: string } | { problem: string } {
  let source: string;
  try {
    source = translateRe2(pattern, { captures });
    new RegExp(source);
  } catch (err) {
    return { problem: (err as Error).message };
  }
  if (!canRunLinear(source)) return { problem: 'the linear regex engine cannot run this pattern' };
  return { source };
}

/**
 * Whether an RE2 pattern (as written in Tekton config) can run here: translated to JavaScript
 * (`translateRe2`) and runnable by V8's linear engine, so no input can make it backtrack
 * exponentially. Returns the problem as a message for config validation, or undefined.
 * `captures: false` for a yes/no match, which allows more (see `translateRe2`).
 */
export function regexProblem(pattern: string, options: { captures?: boolean } = {}): string | undefined {
  const result = linearSource(pattern, options.captures ?? true);
  return 'problem' in result ? result.problem : undefined;
}

const cache = new Map<string, RegExp>();
const cacheLimit = 512;

/**
 * Compiles an RE2 pattern to the equivalent JS RegExp (translated, see `translateRe2`), cached
 * because `translate()` runs per event. Throws `CelError` (`CEL_EVAL`) when the pattern cannot
 * run here. A `g` RegExp is shared: only use it with `String.prototype.replace`, which resets it.
 */
export function compileRegex(pattern: string, flags = '', options: { captures?: boolean } = {}): RegExp {
  const captures = options.captures ?? true;
  const key = `${flags}${captures ? '' : '-'}/${pattern}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const result = linearSource(pattern, captures);
  if ('problem' in result)
    throw new CelError('CEL_EVAL', `regex ${JSON.stringify(pattern)}: ${result.problem}`);
  if (cache.size >= cacheLimit) cache.clear();
  const re = new RegExp(result.source, flags);
  cache.set(key, re);
  return re;
}
