/**
 * `value` cut to at most `maxBytes` UTF-8 bytes, marker included, on a character boundary (a cut
 * multi-byte sequence would decode to U+FFFD bytes); the marker says how much was cut. Unchanged
 * when it fits.
 */
export function cutText(value: string, maxBytes: number): string {
  const bytes = Buffer.from(value);
  if (bytes.length <= maxBytes) return value;
  // The marker's length depends on the number it carries: size it for the worst case.
  const keep = Math.max(0, maxBytes - Buffer.byteLength(`…[cut ${bytes.length} bytes]`));
  const kept = bytes
    .subarray(0, keep)
    .toString('utf8')
    .replace(/\uFFFD$/, '');
  return `${kept}…[cut ${bytes.length - Buffer.byteLength(kept)} bytes]`;
}
