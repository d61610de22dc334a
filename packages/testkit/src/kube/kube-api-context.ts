import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { FieldError } from './field-error.ts';
import { type FieldSelector, parseFieldSelector } from './field-selector.ts';
import { KubeApiError } from './kube-api-error.ts';
import type { KubeApiDeps } from './kube-api-handler.ts';
import { type LabelSelector, parseLabelSelector } from './label-selector.ts';
import type { KubeObject } from './object-store.ts';
import type { ResourceType } from './resource-type.ts';
import { validateObjectMeta } from './validate-object-meta.ts';
import { validationRules } from './validation-rules.ts';

export type Obj = Record<string, unknown>;

/** A request's place in the API: type, namespace, name and subresource from its path. */
export interface Route {
  readonly type: ResourceType;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
  readonly subresource: string | undefined;
  readonly watchPath: boolean;
}

const generateAlphabet = 'bcdfghjklmnpqrstvwxz2456789';
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

/** What every verb shares: the store, the apiserver's validation and removal, and the wire helpers. */
export type KubeApiContext = ReturnType<typeof createKubeApiContext>;

/** The fake apiserver's shared state and rules, handed to each verb's handler. */
export function createKubeApiContext(deps: KubeApiDeps) {
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

  return {
    deps,
    store,
    types,
    namespaceType,
    selectors,
    generateName,
    validate,
    namespaceExists,
    remove,
    send,
    orderMeta,
    metaOf,
    now,
    apiVersionOf,
    typeKeyOf,
  };
}
