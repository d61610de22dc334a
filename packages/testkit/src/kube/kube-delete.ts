import type { ServerResponse } from 'node:http';
import type { KubeApiContext, Obj, Route } from './kube-api-context.ts';
import { KubeApiError } from './kube-api-error.ts';
import type { KubeObject } from './object-store.ts';

/** `delete`: preconditions, dry run, finalizers (marked, not removed), a namespace's Terminating. */
export function deleteObject(
  ctx: KubeApiContext,
  route: Route & { name: string },
  raw: string,
  query: URLSearchParams,
  res: ServerResponse,
): number {
  const { store, namespaceType, remove, send, orderMeta, now } = ctx;
  const t = route.type;
  const existing = store.get(t, route.namespace, route.name);
  if (!existing) throw KubeApiError.notFound(t, route.name);
  let options: Obj = {};
  if (raw.trim()) {
    try {
      options = JSON.parse(raw) as Obj;
    } catch (err) {
      throw KubeApiError.badRequest((err as Error).message);
    }
  }
  const pre = (options.preconditions ?? {}) as Obj;
  const em = existing.metadata as Obj;
  if (pre.uid !== undefined && pre.uid !== em.uid) {
    throw KubeApiError.conflict(
      t,
      route.name,
      `Precondition failed: UID in precondition: ${String(pre.uid)}, UID in object meta: ${String(em.uid)}`,
    );
  }
  if (pre.resourceVersion !== undefined && pre.resourceVersion !== em.resourceVersion) {
    throw KubeApiError.conflict(
      t,
      route.name,
      `Precondition failed: ResourceVersion in precondition: ${String(pre.resourceVersion)}, ResourceVersion in object meta: ${String(em.resourceVersion)}`,
    );
  }
  const dryRun =
    query.get('dryRun') === 'All' || (Array.isArray(options.dryRun) && options.dryRun.includes('All'));
  const finalizers = (em.finalizers as string[] | undefined) ?? [];
  if (finalizers.length > 0) {
    if (em.deletionTimestamp !== undefined || dryRun) return send(res, 200, existing);
    const marked = {
      ...existing,
      metadata: orderMeta({
        ...em,
        deletionTimestamp: now(),
        deletionGracePeriodSeconds: 0,
        resourceVersion: String(store.nextResourceVersion()),
      }),
    } as KubeObject;
    store.commit('MODIFIED', t, marked, existing);
    return send(res, 200, marked);
  }
  if (t === namespaceType) {
    const terminating = {
      ...existing,
      metadata: orderMeta({ ...em, deletionTimestamp: now() }),
      status: { phase: 'Terminating' },
    };
    if (!dryRun) remove(t, existing);
    return send(res, 200, terminating);
  }
  if (!dryRun) remove(t, existing);
  return send(res, 200, KubeApiError.success(t, route.name, String(em.uid)));
}
