import type { ServerResponse } from 'node:http';
import type { KubeApiContext, Obj, Route } from './kube-api-context.ts';
import type { KubeObject } from './object-store.ts';

/** `deletecollection`: every selected object deleted (or marked, when it has finalizers). */
export function deleteCollection(
  ctx: KubeApiContext,
  route: Route,
  query: URLSearchParams,
  res: ServerResponse,
): number {
  const { store, selectors, remove, send, orderMeta, now, apiVersionOf } = ctx;
  const t = route.type;
  const { labels, fields } = selectors(query);
  const dryRun = query.get('dryRun') === 'All';
  const deleted: KubeObject[] = [];
  for (const o of store.list(t, route.namespace)) {
    if (!labels.matches(o.metadata.labels) || !fields.matches(o)) continue;
    const finalizers = (o.metadata as Obj).finalizers as string[] | undefined;
    if (dryRun) deleted.push(o);
    else if (finalizers?.length) {
      const marked = {
        ...o,
        metadata: orderMeta({
          ...o.metadata,
          deletionTimestamp: (o.metadata as Obj).deletionTimestamp ?? now(),
          deletionGracePeriodSeconds: 0,
          resourceVersion: String(store.nextResourceVersion()),
        }),
      } as KubeObject;
      store.commit('MODIFIED', t, marked, o);
      deleted.push(marked);
    } else deleted.push(remove(t, o));
  }
  return send(res, 200, {
    apiVersion: apiVersionOf(t),
    kind: `${t.kind}List`,
    metadata: { resourceVersion: String(store.resourceVersion) },
    items: deleted,
  });
}
