import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isDeepStrictEqual } from 'node:util';
import { decodeObject } from './decode-object.ts';
import { discoveryDocument } from './discovery.ts';
import type { FaultContext, FaultInjector } from './fault-injector.ts';
import type { FieldError } from './field-error.ts';
import { type FieldSelector, parseFieldSelector } from './field-selector.ts';
import { applyJsonPatch, type JsonPatchOperation } from './json-patch.ts';
import { KubeApiError } from './kube-api-error.ts';
import { type LabelSelector, parseLabelSelector } from './label-selector.ts';
import { applyMergePatch } from './merge-patch.ts';
import type { KubeObject, ObjectStore } from './object-store.ts';
import type { ResourceType } from './resource-type.ts';
import { tektonAdmission } from './tekton-admission.ts';
import { validateObjectMeta } from './validate-object-meta.ts';
import { validationRules } from './validation-rules.ts';
import { type OpenWatch, serveWatch } from './watch-stream.ts';

type Obj = Record<string, unknown>;

/** What the handler needs from the fake. */
export interface KubeApiDeps {
  readonly store: ObjectStore;
  readonly types: readonly ResourceType[];
  readonly token: string;
  readonly faults: FaultInjector;
  /** Create attempts for a generateName (8 = Kubernetes ≥ 1.32 RetryGenerateName; 1 = older). */
  readonly generateNameAttempts: number;
  readonly random: () => number;
  readonly bookmarkIntervalMs: number;
  readonly serverAddress: string;
  /** Called for every successful create (not dry-run). */
  readonly onCreated: (t: ResourceType, object: KubeObject) => void;
  /** Registers an open watch; returns its unregistration. */
  readonly onWatch: (w: OpenWatch) => () => void;
}

interface Route {
  readonly type: ResourceType;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
  readonly subresource: string | undefined;
  readonly watchPath: boolean;
}

const generateAlphabet = 'bcdfghjklmnpqrstvwxz2456789';
const maxBody = 3 * 1024 * 1024;
const jsonPatchType = 'application/json-patch+json';
const mergePatchType = 'application/merge-patch+json';
const strategicPatchType = 'application/strategic-merge-patch+json';
const applyPatchType = 'application/apply-patch+yaml';
const metaOrder = [
  'name',
  'generateName',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
];

const apiVersionOf = (t: ResourceType) => (t.group ? `${t.group}/${t.version}` : t.version);
const typeKeyOf = (t: ResourceType) => `${t.group}/${t.plural}`;
const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const metaOf = (o: Obj) => (o.metadata ?? {}) as Obj;

/** ObjectMeta in the apiserver's field order, without empty values. */
function orderMeta(meta: Obj): Obj {
  const out: Obj = {};
  for (const k of metaOrder) if (meta[k] !== undefined && meta[k] !== '') out[k] = meta[k];
  for (const [k, v] of Object.entries(meta)) if (!(k in out) && v !== undefined && v !== '') out[k] = v;
  return out;
}

function send(res: ServerResponse, status: number, body: unknown, warnings: readonly string[] = []): number {
  const headers: Record<string, string | string[]> = {
    'content-type': 'application/json',
    'cache-control': 'no-cache, private',
    'audit-id': randomUUID(),
  };
  if (warnings.length) headers.warning = warnings.map((w) => `299 - ${JSON.stringify(w)}`);
  res.writeHead(status, headers).end(JSON.stringify(body));
  return status;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= maxBody) chunks.push(c);
    });
    req.on('end', () => {
      if (size > maxBody)
        reject(
          new KubeApiError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${maxBody}`),
        );
      else resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', reject);
  });
}

function parseRoute(path: string, types: readonly ResourceType[]): Route | undefined {
  const m = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))\/(.+)$/.exec(path);
  if (!m) return undefined;
  const group = m[2] ?? '';
  const version = (m[1] ?? m[3]) as string;
  let segments: string[];
  try {
    segments = (m[4] as string).split('/').map(decodeURIComponent);
  } catch {
    return undefined;
  }
  const watchPath = segments[0] === 'watch';
  if (watchPath) segments.shift();
  let namespace: string | undefined;
  if (
    group === '' &&
    segments[0] === 'namespaces' &&
    (segments.length === 2 ||
      (segments.length === 3 && ['status', 'finalize'].includes(segments[2] as string)))
  ) {
    // /api/v1/namespaces/<name>[/status]: the Namespace object itself.
  } else if (segments[0] === 'namespaces' && segments.length >= 3) {
    namespace = segments[1];
    segments = segments.slice(2);
  }
  if (segments.length === 0 || segments.length > 3 || segments.some((s) => s === '')) return undefined;
  const [plural, name, subresource] = segments;
  const type = types.find((t) => t.group === group && t.version === version && t.plural === plural);
  if (!type || (namespace !== undefined && !type.namespaced)) return undefined;
  if (subresource !== undefined && !(subresource === 'status' && type.statusSubresource)) return undefined;
  return { type, namespace, name, subresource, watchPath };
}

function verbOf(method: string, route: Route | undefined, query: URLSearchParams): string {
  const item = route?.name !== undefined;
  switch (method) {
    case 'GET':
      return item
        ? 'get'
        : route?.watchPath || ['true', '1'].includes(query.get('watch') ?? '')
          ? 'watch'
          : 'list';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return item ? 'delete' : 'deletecollection';
    default:
      return method.toLowerCase();
  }
}

/**
 * The Kubernetes API machinery for the fake's resources: authentication, fault injection,
 * discovery, and per resource create (generateName, apiserver validation, Tekton's webhooks,
 * AlreadyExists), get, list (label/field selectors, limit/continue, resourceVersion semantics),
 * watch, update, merge/JSON/apply patches (strategic merge → 415 on custom resources), the status
 * subresource, delete (preconditions, finalizers) and deletecollection. Answers every API error
 * with a `Status`. Resolves to the HTTP status sent (0 when the connection was dropped).
 */
export function createKubeApiHandler(deps: KubeApiDeps) {
  const { store, types } = deps;
  const namespaceType = types.find((t) => t.group === '' && t.plural === 'namespaces') as ResourceType;

  const selectors = (query: URLSearchParams): { labels: LabelSelector; fields: FieldSelector } => {
    try {
      return {
        labels: parseLabelSelector(query.get('labelSelector') ?? ''),
        fields: parseFieldSelector(query.get('fieldSelector') ?? ''),
      };
    } catch (err) {
      throw KubeApiError.badRequest((err as Error).message);
    }
  };

  const generateName = (prefix: string) => {
    let suffix = '';
    for (let i = 0; i < 5; i++)
      suffix += generateAlphabet[Math.floor(deps.random() * generateAlphabet.length)];
    return prefix.slice(0, 58) + suffix;
  };

  /** apiserver-side validation of the object (strategy.Validate), the source of 422s. */
  const validate = (t: ResourceType, o: Obj): FieldError[] => {
    const errs = validateObjectMeta(metaOf(o), {
      namespaced: t.namespaced,
      nameRule: t.plural === 'namespaces' ? 'label' : 'subdomain',
    });
    if (t.plural === 'configmaps' && !t.custom) {
      const data = (o.data ?? {}) as Obj;
      const binary = (o.binaryData ?? {}) as Obj;
      for (const [bag, keys] of [
        ['data', Object.keys(data)],
        ['binaryData', Object.keys(binary)],
      ] as const) {
        for (const key of keys) {
          for (const m of validationRules.isConfigMapKey(key)) {
            errs.push({ type: 'FieldValueInvalid', field: `${bag}[${key}]`, value: key, detail: m });
          }
          if (bag === 'binaryData' && Object.hasOwn(data, key)) {
            errs.push({
              type: 'FieldValueInvalid',
              field: `${bag}[${key}]`,
              value: key,
              detail: 'duplicate of key present in data',
            });
          }
        }
      }
    }
    return errs;
  };

  const namespaceExists = (ns: string) => store.get(namespaceType, undefined, ns) !== undefined;

  /** Removes an object for good (no finalizers left), telling watches. */
  const remove = (t: ResourceType, existing: KubeObject): KubeObject => {
    if (t === namespaceType) {
      // The namespace controller empties a namespace before the namespace itself goes.
      for (const other of types) {
        if (!other.namespaced) continue;
        for (const o of store.list(other, existing.metadata.name)) remove(other, o);
      }
    }
    const gone = {
      ...existing,
      metadata: { ...existing.metadata, resourceVersion: String(store.nextResourceVersion()) },
    } as KubeObject;
    store.commit('DELETED', t, gone, existing);
    return gone;
  };

  const create = (
    t: ResourceType,
    namespace: string | undefined,
    raw: string,
    query: URLSearchParams,
    res: ServerResponse,
  ) => {
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
      if (requestedRv)
        throw KubeApiError.unknown('resourceVersion should not be set on objects to be created');
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
  };

  /**
   * The common tail of update, patch and status writes: PrepareForUpdate (system fields and, with a
   * status subresource, status kept from the stored object), validation, Tekton's webhooks, a no-op
   * check (no new resourceVersion when nothing changed), finalizer-driven removal.
   */
  const update = (
    t: ResourceType,
    existing: KubeObject,
    proposed: Obj,
    subresource: string | undefined,
    query: URLSearchParams,
    res: ServerResponse,
    warnings: readonly string[],
  ): number => {
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
  };

  const patch = (
    route: Route & { name: string },
    req: IncomingMessage,
    raw: string,
    query: URLSearchParams,
    res: ServerResponse,
  ): number => {
    const t = route.type;
    const contentType =
      String(req.headers['content-type'] ?? '')
        .split(';')[0]
        ?.trim() ?? '';
    const accepted = t.custom
      ? [jsonPatchType, mergePatchType, applyPatchType]
      : [jsonPatchType, mergePatchType, strategicPatchType, applyPatchType];
    if (!accepted.includes(contentType)) throw KubeApiError.unsupportedMediaType(contentType, accepted);
    const existing = store.get(t, route.namespace, route.name);
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch (err) {
      if (contentType === applyPatchType) {
        throw KubeApiError.badRequest('the fake accepts apply bodies in JSON (a subset of YAML) only');
      }
      throw KubeApiError.badRequest(
        contentType === jsonPatchType ? (err as Error).message : 'Invalid JSON Patch',
      );
    }
    if (contentType === applyPatchType) {
      if (!query.get('fieldManager'))
        throw KubeApiError.badRequest(
          'PATCH requests with application/apply-patch+yaml require fieldManager',
        );
      if (!existing) {
        if (route.subresource) throw KubeApiError.notFound(t, route.name);
        const meta = metaOf(body as Obj);
        if (meta.name !== undefined && meta.name !== route.name) {
          throw KubeApiError.badRequest(
            `the name of the object (${String(meta.name)}) does not match the name on the URL (${route.name})`,
          );
        }
        return create(
          t,
          route.namespace,
          JSON.stringify({ ...(body as Obj), metadata: { ...meta, name: route.name } }),
          query,
          res,
        );
      }
    }
    if (!existing) throw KubeApiError.notFound(t, route.name);
    let patched: unknown;
    if (contentType === jsonPatchType) {
      if (!Array.isArray(body)) {
        throw KubeApiError.badRequest(
          `json: cannot unmarshal ${typeof body === 'object' ? 'object' : typeof body} into Go value of type jsonpatch.Patch`,
        );
      }
      try {
        patched = applyJsonPatch(existing, body as JsonPatchOperation[]);
      } catch (err) {
        throw KubeApiError.unprocessable((err as Error).message);
      }
    } else {
      patched = applyMergePatch(existing, body);
    }
    if (patched === null || typeof patched !== 'object' || Array.isArray(patched)) {
      throw KubeApiError.badRequest('the patch did not produce an object');
    }
    const { object, warnings } = decodeObject(t, JSON.stringify(patched), query.get('fieldValidation'));
    return update(t, existing, object, route.subresource, query, res, warnings);
  };

  const destroy = (
    route: Route & { name: string },
    raw: string,
    query: URLSearchParams,
    res: ServerResponse,
  ): number => {
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
  };

  const list = (route: Route, query: URLSearchParams, res: ServerResponse): number => {
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
  };

  const deleteCollection = (route: Route, query: URLSearchParams, res: ServerResponse): number => {
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
  };

  function serve(
    req: IncomingMessage,
    res: ServerResponse,
    route: Route,
    query: URLSearchParams,
    raw: string,
  ): number {
    const t = route.type;
    const method = req.method ?? 'GET';
    const verb = verbOf(method, route, query);
    if (route.name === undefined) {
      if (verb === 'watch') {
        const { labels, fields } = selectors(query);
        return serveWatch(
          store,
          { type: t, typeKey: typeKeyOf(t), namespace: route.namespace, labels, fields, query },
          res,
          { bookmarkIntervalMs: deps.bookmarkIntervalMs, onOpen: deps.onWatch },
        );
      }
      if (verb === 'list') return list(route, query, res);
      if (verb === 'deletecollection') return deleteCollection(route, query, res);
      if (verb === 'create') {
        if (t.namespaced && route.namespace === undefined) throw KubeApiError.methodNotAllowed();
        return create(t, route.namespace, raw, query, res);
      }
      throw KubeApiError.methodNotAllowed();
    }
    const named = route as Route & { name: string };
    if (t.namespaced && route.namespace === undefined) throw KubeApiError.routeNotFound();
    if (verb === 'get') {
      if (route.watchPath) {
        const { labels } = selectors(query);
        return serveWatch(
          store,
          {
            type: t,
            typeKey: typeKeyOf(t),
            namespace: route.namespace,
            labels,
            fields: parseFieldSelector(`metadata.name=${named.name.replace(/[\\,]/g, '\\$&')}`),
            query,
          },
          res,
          { bookmarkIntervalMs: deps.bookmarkIntervalMs, onOpen: deps.onWatch },
        );
      }
      const o = store.get(t, route.namespace, named.name);
      if (!o) throw KubeApiError.notFound(t, named.name);
      return send(res, 200, o);
    }
    if (verb === 'delete') {
      if (route.subresource) throw KubeApiError.methodNotAllowed();
      return destroy(named, raw, query, res);
    }
    if (verb === 'patch') return patch(named, req, raw, query, res);
    if (verb === 'update') {
      const existing = store.get(t, route.namespace, named.name);
      if (!existing) throw KubeApiError.notFound(t, named.name);
      const { object, warnings } = decodeObject(t, raw, query.get('fieldValidation'));
      const rv = metaOf(object).resourceVersion;
      if (t.custom && !rv) {
        throw KubeApiError.invalid(t, named.name, [
          {
            type: 'FieldValueInvalid',
            field: 'metadata.resourceVersion',
            value: { goSyntax: '0x0' },
            detail: 'must be specified for an update',
          },
        ]);
      }
      return update(t, existing, object, route.subresource, query, res, warnings);
    }
    throw KubeApiError.methodNotAllowed();
  }

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<number> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    const route = parseRoute(path, types);
    const ctx: FaultContext = {
      type: route?.type,
      verb: verbOf(method, route, url.searchParams),
      namespace: route?.namespace,
      name: route?.name,
    };
    // The body is read before any injected latency, so a request whose client gives up during the
    // delay is still carried out, as a slow apiserver does.
    let raw = '';
    let bodyError: unknown;
    if (method !== 'GET' && method !== 'HEAD') {
      try {
        raw = await readBody(req);
      } catch (err) {
        bodyError = err;
      }
    }
    const decision = deps.faults.decide(method, path, url.search, ctx);
    if (decision.latencyMs > 0) await new Promise((r) => setTimeout(r, decision.latencyMs));
    if (decision.outcome?.kind === 'drop') {
      req.socket.destroy();
      return 0;
    }
    if (decision.outcome?.kind === 'respond') {
      res.writeHead(decision.outcome.status, decision.outcome.headers).end(decision.outcome.body);
      return decision.outcome.status;
    }
    try {
      if (bodyError !== undefined) throw bodyError;
      if (['/healthz', '/livez', '/readyz'].includes(path)) {
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('ok');
        return 200;
      }
      if (req.headers.authorization !== `Bearer ${deps.token}`) throw KubeApiError.unauthorized();
      if (path === '/version' && method === 'GET') {
        return send(res, 200, {
          major: '1',
          minor: '34',
          gitVersion: 'v1.34.1',
          gitCommit: 'signalbox-kube-fake',
          gitTreeState: 'clean',
          buildDate: '2026-01-01T00:00:00Z',
          goVersion: 'go1.24.6',
          compiler: 'gc',
          platform: 'linux/amd64',
        });
      }
      if (method === 'GET') {
        const doc = discoveryDocument(path.replace(/\/$/, ''), types, deps.serverAddress);
        if (doc) return send(res, 200, doc);
      }
      if (route) return serve(req, res, route, url.searchParams, raw);
      if (path === '/api' || path === '/apis' || path.startsWith('/api/') || path.startsWith('/apis/')) {
        throw KubeApiError.routeNotFound();
      }
      res
        .writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' })
        .end('404 page not found\n');
      return 404;
    } catch (err) {
      if (res.headersSent) {
        res.end();
        return res.statusCode;
      }
      const apiError = err instanceof KubeApiError ? err : KubeApiError.internal((err as Error).message);
      return send(res, apiError.code, apiError.status);
    }
  };
}
