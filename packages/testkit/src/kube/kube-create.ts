import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { decodeObject } from './decode-object.ts';
import type { KubeApiContext, Obj } from './kube-api-context.ts';
import { KubeApiError } from './kube-api-error.ts';
import type { KubeObject } from './object-store.ts';
import type { ResourceType } from './resource-type.ts';
import { tektonAdmission } from './tekton-admission.ts';

/**
 * `create` (also apply-patch of an absent object): namespace checks, Tekton's webhooks, a
 * generateName retried on conflict as the apiserver does, validation, then ADDED.
 */
export function createObject(
  ctx: KubeApiContext,
  t: ResourceType,
  namespace: string | undefined,
  raw: string,
  query: URLSearchParams,
  res: ServerResponse,
) {
  const {
    deps,
    store,
    namespaceType,
    validate,
    namespaceExists,
    generateName,
    send,
    orderMeta,
    metaOf,
    now,
  } = ctx;
  const { object: decoded, warnings } = decodeObject(t, raw, query.get('fieldValidation'));
  let object = decoded;
  const meta = metaOf(object);
  if (t.namespaced) {
    if (meta.namespace && meta.namespace !== namespace) {
      throw KubeApiError.badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    if (!namespaceExists(namespace as string)) throw KubeApiError.namespaceNotFound(namespace as string);
  }
  if (tektonAdmission.handles(t)) object = tektonAdmission.mutate(t, object);
  if (t.custom && t.statusSubresource) delete object.status;
  const requestedRv = meta.resourceVersion;
  const generated = !meta.name && typeof meta.generateName === 'string' && meta.generateName !== '';
  const attempts = generated ? Math.max(1, deps.generateNameAttempts) : 1;
  for (let attempt = 1; ; attempt++) {
    const name = generated ? generateName(meta.generateName as string) : String(meta.name ?? '');
    const candidate: Obj = {
      ...object,
      metadata: orderMeta({
        ...meta,
        name,
        ...(t.namespaced ? { namespace } : { namespace: undefined }),
        uid: randomUUID(),
        resourceVersion: undefined,
        generation: t.custom ? 1 : undefined,
        creationTimestamp: now(),
        deletionTimestamp: undefined,
        deletionGracePeriodSeconds: undefined,
      }),
    };
    if (t === namespaceType) {
      candidate.metadata = orderMeta({
        ...metaOf(candidate),
        labels: { ...(metaOf(candidate).labels as Obj | undefined), 'kubernetes.io/metadata.name': name },
      });
      candidate.spec = { finalizers: ['kubernetes'] };
      candidate.status = { phase: 'Active' };
    }
    const errs = validate(t, candidate);
    if (errs.length) throw KubeApiError.invalid(t, name, errs);
    if (tektonAdmission.handles(t)) tektonAdmission.validate(t, candidate, undefined);
    if (requestedRv) throw KubeApiError.unknown('resourceVersion should not be set on objects to be created');
    if (store.get(t, namespace, name)) {
      if (attempt < attempts) continue;
      throw generated ? KubeApiError.generateNameConflict(t, name) : KubeApiError.alreadyExists(t, name);
    }
    if (query.get('dryRun') === 'All') return send(res, 201, candidate, warnings);
    const stored = {
      ...candidate,
      metadata: orderMeta({ ...metaOf(candidate), resourceVersion: String(store.nextResourceVersion()) }),
    } as KubeObject;
    store.commit('ADDED', t, stored);
    deps.onCreated(t, stored);
    return send(res, 201, stored, warnings);
  }
}
