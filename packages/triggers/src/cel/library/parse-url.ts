import { fail } from './cel-values.ts';

function unescapeUrl(s: string, plusIsSpace: boolean): string | undefined {
  try {
    return decodeURIComponent(plusIsSpace ? s.replace(/\+/g, ' ') : s.replace(/\+/g, '%2B'));
  } catch {
    return undefined;
  }
}

/** Go's `url.Parse` in the shape Tekton's `parseURL()` returns (tekton-triggers reference §6.2). */
export function parseUrl(text: string): Record<string, unknown> {
  const m = /^(?:([A-Za-z][A-Za-z0-9+.-]*):)?(.*?)(?:#(.*))?$/s.exec(text) as RegExpExecArray;
  const [, rawScheme, rest = '', rawFragment = ''] = m;
  const scheme = rawScheme?.toLowerCase() ?? '';
  const q = rest.indexOf('?');
  const beforeQuery = q < 0 ? rest : rest.slice(0, q);
  const rawQuery = q < 0 ? '' : rest.slice(q + 1);
  let userinfo: string | undefined;
  let host = '';
  let rawPath = beforeQuery;
  if (scheme !== '' && !beforeQuery.startsWith('/')) {
    // An opaque URL (mailto:x@y) has no path.
    rawPath = '';
  } else if (beforeQuery.startsWith('//')) {
    const authority = beforeQuery.slice(2).split('/', 1)[0] as string;
    rawPath = beforeQuery.slice(2 + authority.length);
    const at = authority.lastIndexOf('@');
    if (at >= 0) userinfo = authority.slice(0, at);
    host = authority.slice(at + 1);
  }
  const path = unescapeUrl(rawPath, false);
  const fragment = unescapeUrl(rawFragment, false);
  if (path === undefined || fragment === undefined) return fail('parseURL: invalid URL escape');
  // url.Values: pairs with a bad escape or a semicolon are dropped, as Go's URL.Query() does.
  const queryStrings: Record<string, string[]> = {};
  for (const part of rawQuery.split('&')) {
    if (part === '' || part.includes(';')) continue;
    const eq = part.indexOf('=');
    const k = unescapeUrl(eq < 0 ? part : part.slice(0, eq), true);
    const v = eq < 0 ? '' : unescapeUrl(part.slice(eq + 1), true);
    if (k === undefined || v === undefined) continue;
    (queryStrings[k] ??= []).push(v);
  }
  const query = Object.fromEntries(Object.entries(queryStrings).map(([k, v]) => [k, v.join(',')]));
  const out: Record<string, unknown> = { scheme, host, path, rawQuery, fragment, query, queryStrings };
  if (userinfo !== undefined) {
    const colon = userinfo.indexOf(':');
    const username = unescapeUrl(colon < 0 ? userinfo : userinfo.slice(0, colon), false);
    const password = colon < 0 ? '' : unescapeUrl(userinfo.slice(colon + 1), false);
    if (username === undefined || password === undefined) return fail('parseURL: invalid URL escape');
    out.auth = { username, password };
  }
  return out;
}
