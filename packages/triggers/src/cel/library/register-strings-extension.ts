import type { Environment } from '@marcbachmann/cel-js';
import { fail } from './cel-values.ts';
import { formatString } from './format-string.ts';
import { goQuote } from './go-quote.ts';

/** Go's `strings.Replace(s, old, new, n)`; n < 0 replaces all; an empty `old` matches between runes. */
function replaceN(s: string, from: string, to: string, n: number): string {
  if (from === '') {
    const chars = [...s];
    let out = '';
    for (let i = 0; i <= chars.length; i++) out += (n < 0 || i < n ? to : '') + (chars[i] ?? '');
    return out;
  }
  const parts = s.split(from);
  if (n < 0 || parts.length - 1 <= n) return parts.join(to);
  return parts.slice(0, n + 1).join(to) + from + parts.slice(n + 1).join(from);
}

/** Code-point index of `needle` in `chars` at or after `from`, or -1. */
function codePointIndexOf(chars: string[], needle: string[], from: number, last: boolean): number {
  const matchesAt = (i: number) => needle.every((c, j) => chars[i + j] === c);
  if (last) {
    for (let i = Math.min(from, chars.length - needle.length); i >= 0; i--) if (matchesAt(i)) return i;
  } else {
    for (let i = from; i + needle.length <= chars.length; i++) if (matchesAt(i)) return i;
  }
  return -1;
}

/** Unicode White_Space, which Go's strings.TrimSpace trims (JavaScript's trim also takes U+FEFF, not U+0085). */
const goSpace =
  /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g;

/** The `strings.` namespace: cel-js resolves `strings.fn(…)` as a method on a constant of this type. */
class StringsNamespace {}

/**
 * cel-go's strings extension: what cel-js lacks (`charAt`, `replace`, `reverse`, `format`,
 * `strings.quote`) and code-point, ASCII-only versions of what it gets wrong (`overriddenMethods`).
 */
export function registerStringsExtension(env: Environment): void {
  env
    .registerType('StringsNamespace', StringsNamespace)
    .registerConstant('strings', 'StringsNamespace', new StringsNamespace());
  env
    .registerFunction('string.charAt(int): string', (s: string, i: bigint) => {
      const chars = [...s];
      if (i < 0n || i > BigInt(chars.length)) return fail('charAt: index out of range');
      return chars[Number(i)] ?? '';
    })
    .registerFunction('string.replace(string, string): string', (s: string, a: string, b: string) =>
      replaceN(s, a, b, -1),
    )
    .registerFunction(
      'string.replace(string, string, int): string',
      (s: string, a: string, b: string, n: bigint) => replaceN(s, a, b, Number(n)),
    )
    .registerFunction('string.reverse(): string', (s: string) => [...s].reverse().join(''))
    .registerFunction('string.format(list): string', (s: string, args: unknown[]) => formatString(s, args))
    .registerFunction('StringsNamespace.quote(string): string', (_ns: unknown, s: string) => goQuote(s));

  // cel-go's versions of the string methods cel-js gets wrong for non-ASCII text (overriddenMethods).
  const indexOf = (s: string, sub: string, from: bigint | undefined, last: boolean) => {
    const chars = [...s];
    const start = from === undefined ? (last ? chars.length : 0) : Number(from);
    if (start < 0 || start > chars.length)
      return fail(`${last ? 'lastIndexOf' : 'indexOf'}: index out of range`);
    return BigInt(codePointIndexOf(chars, [...sub], start, last));
  };
  const substring = (s: string, from: bigint, to?: bigint) => {
    const chars = [...s];
    const end = to === undefined ? chars.length : Number(to);
    if (from < 0n || Number(from) > chars.length || end < Number(from) || end > chars.length)
      return fail('substring: index out of range');
    return chars.slice(Number(from), end).join('');
  };
  const split = (s: string, sep: string, n: number) => {
    if (n === 0) return [];
    // Go splits on runes for an empty separator, and keeps the rest in the last element (SplitN).
    const parts = sep === '' ? [...s] : s.split(sep);
    if (n < 0 || parts.length <= n) return parts;
    return [...parts.slice(0, n - 1), parts.slice(n - 1).join(sep)];
  };
  env
    .registerFunction('string.__sb_indexOf(string): int', (s: string, sub: string) =>
      indexOf(s, sub, undefined, false),
    )
    .registerFunction('string.__sb_indexOf(string, int): int', (s: string, sub: string, from: bigint) =>
      indexOf(s, sub, from, false),
    )
    .registerFunction('string.__sb_lastIndexOf(string): int', (s: string, sub: string) =>
      indexOf(s, sub, undefined, true),
    )
    .registerFunction('string.__sb_lastIndexOf(string, int): int', (s: string, sub: string, from: bigint) =>
      indexOf(s, sub, from, true),
    )
    .registerFunction('string.__sb_substring(int): string', (s: string, from: bigint) => substring(s, from))
    .registerFunction('string.__sb_substring(int, int): string', (s: string, from: bigint, to: bigint) =>
      substring(s, from, to),
    )
    .registerFunction('string.__sb_lowerAscii(): string', (s: string) =>
      s.replace(/[A-Z]+/g, (m) => m.toLowerCase()),
    )
    .registerFunction('string.__sb_upperAscii(): string', (s: string) =>
      s.replace(/[a-z]+/g, (m) => m.toUpperCase()),
    )
    .registerFunction('string.__sb_trim(): string', (s: string) => s.replace(goSpace, ''))
    .registerFunction('string.__sb_split(string): list<string>', (s: string, sep: string) =>
      split(s, sep, -1),
    )
    .registerFunction('string.__sb_split(string, int): list<string>', (s: string, sep: string, n: bigint) =>
      split(s, sep, Number(n)),
    );
}
