/**
 * `JSON.stringify` with Go's `encoding/json` output: HTML-safe escaping (`<`, `>`, `&` →
 * `\u003c` …) and U+2028/U+2029 escaped; `sortKeys` orders object keys as Go does for maps.
 * Tekton renders binding values and `marshalJSON()` this way, so users' templates see the same bytes.
 */
export function goJson(value: unknown, sortKeys = false): string {
  if (typeof value === 'string' && isVerbatim(value)) return `"${value}"`;
  const text = JSON.stringify(sortKeys ? sortDeep(value) : value) ?? 'null';
  return text.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function sortDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortDeep);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortDeep((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/**
 * A string that both escapings leave as it is: no quote, backslash, control character, `<`, `>`,
 * `&`, U+2028/U+2029 or surrogate (a lone one is escaped). Most binding values are such strings
 * (a sha, a repository name, a URL), and quoting them is cheaper than serialising them.
 */
function isVerbatim(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || c === 0x3c || c === 0x3e || c === 0x26) return false;
    if (c >= 0x2028 && (c === 0x2028 || c === 0x2029 || (c >= 0xd800 && c <= 0xdfff))) return false;
  }
  return true;
}
