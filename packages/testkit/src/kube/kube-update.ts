import type { ServerResponse } from 'node:http';
import { isDeepStrictEqual } from 'node:util';
import type { KubeApiContext, Obj } from './kube-api-context.ts';
import { KubeApiError } from './kube-api-error.ts';
import type { KubeObject } from './object-store.ts';
import type { ResourceType } from './resource-type.ts';
import { tektonAdmission } from './tekton-admission.ts';

/**
 * The common tail of update, patch and status writes: PrepareForUpdate (system fields and, with a
 * status subresource, status kept from the stored object), validation, Tekton's webhooks, a no-op
 * check (no new resourceVersion when nothing changed), finalizer-driven removal.
 */
export function updateObject(
  ctx: KubeApiContext,
  t: ResourceType,
  existing: KubeObject,
  proposed: Obj,
  subresource: string | undefined,
  query: URLSearchParams,
  res: ServerResponse,
  warnings: readonly string[],
): number {
  const { store, namespaceType, validate, remove, send, orderMeta, metaOf } = ctx;
  const name = existing.metadata.name;
  const pm = metaOf(proposed);
  if (pm.name !== undefined && pm.name !== name) {
    throw KubeApiError.badRequest(
      `the name of the object (${String(pm.name)}) does not match the name on the URL (${name})`,
    );
  }
  if (t.namespaced && pm.namespace !== undefined && pm.namespace !== existing.metadata.namespace) {
    throw KubeApiError.badRequest(
      'the namespace of the provided object does not match the namespace sent on the request',
    );
  }
  if (
    pm.resourceVersion !== undefined &&
    pm.resourceVersion !== '' &&
    pm.resourceVersion !== existing.metadata.resourceVersion
  ) {
    throw KubeApiError.conflict(
      t,
      name,
      'the object has been modified; please apply your changes to the latest version and try again',
    );
  }
  let next: Obj;
  if (subresource === 'status') {
    next = { ...existing, status: proposed.status };
    if (proposed.status === undefined) delete next.status;
  } else {
    next = { ...proposed };
    if (tektonAdmission.handles(t)) next = tektonAdmission.mutate(t, next);
    if (t.statusSubresource) {
      if (existing.status === undefined) delete next.status;
      else next.status = existing.status;
    }
    if (t === namespaceType) next.spec = existing.spec;
  }
  const em = existing.metadata as Obj;
  const changedBeyondMeta = (a: Obj, b: Obj) => {
    const strip = (o: Obj) =>
      Object.fromEntries(Object.entries(o).filter(([k]) => k !== 'metadata' && k !== 'status'));
    return !isDeepStrictEqual(strip(a), strip(b));
  };
  next.metadata = orderMeta({
    ...(subresource === 'status' ? em : metaOf(next)),
    name,
    namespace: em.namespace,
    uid: em.uid,
    creationTimestamp: em.creationTimestamp,
    deletionTimestamp: em.deletionTimestamp,
    deletionGracePeriodSeconds: em.deletionGracePeriodSeconds,
    generation: t.custom
      ? Number(em.generation ?? 1) + (changedBeyondMeta(next, existing) ? 1 : 0)
      : undefined,
    resourceVersion: em.resourceVersion,
  });
  const errs = validate(t, next);
  if (errs.length) throw KubeApiError.invalid(t, name, errs);
  if (subresource === undefined && tektonAdmission.handles(t)) tektonAdmission.validate(t, next, existing);
  if (isDeepStrictEqual(next, existing)) return send(res, 200, existing, warnings);
  const finalizers = (metaOf(next).finalizers as string[] | undefined) ?? [];
  if (em.deletionTimestamp !== undefined && finalizers.length === 0) {
    if (query.get('dryRun') === 'All') return send(res, 200, next, warnings);
    return send(res, 200, remove(t, { ...next, metadata: metaOf(next) } as KubeObject), warnings);
  }
  if (query.get('dryRun') === 'All') return send(res, 200, next, warnings);
  const stored = {
    ...next,
    metadata: { ...metaOf(next), resourceVersion: String(store.nextResourceVersion()) },
  } as KubeObject;
  store.commit('MODIFIED', t, stored, existing);
  return send(res, 200, stored, warnings);
}
