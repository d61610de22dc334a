import type { ServerResponse } from 'node:http';
import { parseFieldSelector } from './field-selector.ts';
import type { KubeApiContext, Route } from './kube-api-context.ts';
import { serveWatch } from './watch-stream.ts';

/**
 * `watch` of a collection (its selectors) or, on a `/watch/.../<name>` path, of one object (its
 * name as the field selector; the query's labelSelector still applies).
 */
export function watchObjects(
  ctx: KubeApiContext,
  route: Route,
  query: URLSearchParams,
  res: ServerResponse,
): number {
  const { deps, store, selectors, typeKeyOf } = ctx;
  const t = route.type;
  const { labels, fields } = selectors(query);
  return serveWatch(
    store,
    {
      type: t,
      typeKey: typeKeyOf(t),
      namespace: route.namespace,
      labels,
      fields:
        route.name === undefined
          ? fields
          : parseFieldSelector(`metadata.name=${route.name.replace(/[\\,]/g, '\\$&')}`),
      query,
    },
    res,
    { bookmarkIntervalMs: deps.bookmarkIntervalMs, onOpen: deps.onWatch },
  );
}
