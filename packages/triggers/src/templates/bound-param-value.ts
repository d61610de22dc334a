/** Appended to a value that was cut; says how much is missing, so nobody mistakes it for the whole. */
const marker = (cut: number) => `...[signalbox: ${cut} bytes cut]`;

/**
 * Cuts a substituted param value (JSON-escaped text, as bindings produce it) to at most `maxBytes`
 * UTF-8 bytes, marker included. The cut never splits an escape (`\"`, `\u00e9`) or a surrogate
 * pair, so the object still parses. `undefined` when the value fits as it is.
 *
 * Event text reaches objects unbounded otherwise: a 1 MB branch name bound into params makes a
 * PipelineRun bigger than etcd accepts (1.5 MiB by default), and the run never starts.
 */
export function boundParamValue(
  escaped: string,
  maxBytes: number,
): { value: string; cutBytes: number } | undefined {
  // Each UTF-16 unit is at most 3 UTF-8 bytes: most values are decided without counting.
  if (escaped.length * 3 <= maxBytes) return undefined;
  const total = Buffer.byteLength(escaped);
  if (total <= maxBytes) return undefined;
  const budget = Math.max(0, maxBytes - Buffer.byteLength(marker(total)));
  let bytes = 0;
  let end = 0;
  while (end < escaped.length) {
    const code = escaped.charCodeAt(end);
    let units = 1;
    let size: number;
    if (code === 0x5c) {
      units = escaped[end + 1] === 'u' ? 6 : 2;
      size = units;
    } else if (code >= 0xd800 && code <= 0xdbff) {
      units = 2;
      size = 4;
    } else size = code < 0x80 ? 1 : code < 0x800 ? 2 : 3;
    if (bytes + size > budget) break;
    bytes += size;
    end += units;
  }
  return { value: `${escaped.slice(0, end)}${marker(total - bytes)}`, cutBytes: total - bytes };
}
