/**
 * `JSON.stringify` with Go's `encoding/json` output: HTML-safe escaping (`<`, `>`, `&` →
 * `\u003c` …) and U+2028/U+2029 escaped; `sortKeys` orders object keys as Go does for maps.
 * Tekton renders binding values and `marshalJSON()` this way, so users' templates see the same bytes.
 */
export function goJson(value: unknown, sortKeys = false): string {
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
