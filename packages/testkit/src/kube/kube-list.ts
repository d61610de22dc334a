import type { ServerResponse } from 'node:http';
import type { KubeApiContext, Route } from './kube-api-context.ts';
import { KubeApiError } from './kube-api-error.ts';
import type { KubeObject } from './object-store.ts';

/** `list`: selectors, limit/continue pages, and the resourceVersion / resourceVersionMatch rules. */
export function listObjects(
  ctx: KubeApiContext,
  route: Route,
  query: URLSearchParams,
  res: ServerResponse,
): number {
  const { store, selectors, send, apiVersionOf } = ctx;
  const t = route.type;
  const { labels, fields } = selectors(query);
  const current = store.resourceVersion;
  const rvParam = query.get('resourceVersion') ?? '';
  const match = query.get('resourceVersionMatch') ?? '';
  if (match && !rvParam)
    throw KubeApiError.badRequest('resourceVersionMatch is forbidden unless resourceVersion is provided');
  if (rvParam) {
    const n = Number(rvParam);
    if (!Number.isSafeInteger(n))
      throw KubeApiError.badRequest(`invalid resource version: ${JSON.stringify(rvParam)}`);
    if (n > current) throw KubeApiError.tooLargeResourceVersion(n, current);
    // Only the latest state is kept, so an exact read of the past is as expired as compaction makes it.
    if (match === 'Exact' && n !== current)
      throw KubeApiError.expired(`too old resource version: ${n} (${current})`);
  }
  let listRv = current;
  let start = '';
  const token = query.get('continue');
  if (token) {
    let decoded: { v?: string; rv?: number; start?: string };
    try {
      decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as typeof decoded;
    } catch {
      throw KubeApiError.badRequest('continue key is not valid: illegal base64 data');
    }
    if (
      decoded.v !== 'meta.k8s.io/v1' ||
      typeof decoded.rv !== 'number' ||
      typeof decoded.start !== 'string'
    ) {
      throw KubeApiError.badRequest(
        'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
      );
    }
    if (decoded.rv < store.historyStartRv) {
      throw KubeApiError.expired(
        'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
      );
    }
    listRv = decoded.rv;
    start = decoded.start;
  }
  const keyed = store
    .list(t, route.namespace)
    .map((o) => [`${o.metadata.namespace ?? ''}/${o.metadata.name}`, o] as const)
    .filter(([k, o]) => k >= start && labels.matches(o.metadata.labels) && fields.matches(o));
  const limit = Number(query.get('limit') ?? '0');
  let page = keyed;
  let next: string | undefined;
  if (limit > 0 && keyed.length > limit) {
    page = keyed.slice(0, limit);
    next = Buffer.from(
      JSON.stringify({
        v: 'meta.k8s.io/v1',
        rv: listRv,
        start: `${(page.at(-1) as readonly [string, KubeObject])[0]}\u0000`,
      }),
    ).toString('base64url');
  }
  const items = page.map(([, o]) => {
    if (t.custom) return o;
    const { apiVersion: _a, kind: _k, ...rest } = o;
    return rest;
  });
  return send(res, 200, {
    apiVersion: apiVersionOf(t),
    kind: `${t.kind}List`,
    metadata: {
      resourceVersion: String(listRv),
      ...(next ? { continue: next } : {}),
      ...(next && labels.empty && !query.get('fieldSelector')
        ? { remainingItemCount: keyed.length - page.length }
        : {}),
    },
    items,
  });
}
