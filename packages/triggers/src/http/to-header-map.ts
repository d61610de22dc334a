import { canonicalHeaderName } from './canonical-header-name.ts';

/**
 * Node's lower-case `IncomingHttpHeaders` as Go's `http.Header`: canonical names → list of values
 * (Tekton's CEL `header` variable; `header['X-Github-Event'][0]`).
 */
export function toHeaderMap(
  headers: Readonly<Record<string, string | readonly string[] | undefined>>,
): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const key = canonicalHeaderName(name);
    const list = (out[key] ??= []);
    if (typeof value === 'string') list.push(value);
    else list.push(...value);
  }
  return out;
}
