/**
 * `value` cut to at most `maxBytes` UTF-8 bytes, marker included, on a character boundary (a cut
 * multi-byte sequence would decode to U+FFFD bytes); the marker says how much was cut. Unchanged
 * when it fits.
 */
export function cutText(value: string, maxBytes: number): string {
  // A UTF-16 unit is at most 3 UTF-8 bytes: most values fit without being counted or copied.
  if (value.length * 3 <= maxBytes || Buffer.byteLength(value) <= maxBytes) return value;
  const bytes = Buffer.from(value);
  // The marker's length depends on the number it carries: size it for the worst case.
  const keep = Math.max(0, maxBytes - Buffer.byteLength(`…[cut ${bytes.length} bytes]`));
  const kept = bytes
    .subarray(0, keep)
    .toString('utf8')
    .replace(/\uFFFD$/, '');
  return `${kept}…[cut ${bytes.length - Buffer.byteLength(kept)} bytes]`;
}
