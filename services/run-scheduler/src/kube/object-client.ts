// The class itself, from its own module (the package index would load all of client-node): the
// error classifier and every caller know client-node's API errors by it.
import { ApiException } from '@kubernetes/client-node/dist/gen/apis/exception.js';
import type { KubeResponse, KubeTransport } from './kube-transport.ts';

/** An object as sent: any kind, found through discovery. */
export interface ObjectSpec {
  readonly apiVersion?: string;
  readonly kind: string;
  readonly metadata?: {
    readonly name?: unknown;
    readonly namespace?: unknown;
    readonly [key: string]: unknown;
  };
  readonly [key: string]: unknown;
}

/** A list as the API answers it. */
export interface ObjectList {
  readonly items: unknown[];
  readonly metadata?: { readonly resourceVersion?: string };
}

/**
 * Create, list and patch of any kind: the part of client-node's KubernetesObjectApi we use. The
 * objects a create or a patch answers with are not read (nothing here needs them).
 */
export interface ObjectClient {
  create(object: ObjectSpec): Promise<void>;
  /** `namespace` undefined lists every namespace. */
  list(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    labelSelector: string,
  ): Promise<ObjectList>;
  /** `contentType` is the patch type (`application/merge-patch+json`, …). */
  patch(object: ObjectSpec, contentType: string): Promise<void>;
}

/** An entry of a discovery answer (APIResourceList). */
interface ApiResource {
  readonly name: string;
  readonly kind: string;
  readonly namespaced: boolean;
}

const accept = 'application/json, */*;q=0.8';
const versionPath = (apiVersion: string) => `/${apiVersion.includes('/') ? 'apis' : 'api'}/${apiVersion}`;

/** Client-node's ApiException (the body as text) for a non-2xx status. */
function checkAnswer(answer: KubeResponse): void {
  if (answer.status < 200 || answer.status > 299)
    throw new ApiException(
      answer.status,
      'Unsuccessful HTTP Request',
      answer.body.toString('utf8'),
      answer.headers,
    );
}

/** The answer's object, or client-node's ApiException for a non-2xx status. */
function parseAnswer(answer: KubeResponse): unknown {
  checkAnswer(answer);
  const text = answer.body.toString('utf8');
  const mediaType = answer.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
  if (mediaType === undefined) throw new Error('Cannot parse content. No Content-Type defined.');
  const [type, subtype = ''] = mediaType.split('/');
  if (type === 'text') return text;
  if (type === 'application' && subtype.split('+').includes('json')) return JSON.parse(text);
  throw new Error(`The mediaType ${mediaType} is not supported by ObjectSerializer.parse.`);
}

/**
 * What client-node's `KubernetesObjectApi` does for create, list and merge patch — the same
 * requests, paths (kind → resource through discovery, cached per apiVersion), errors and error
 * messages (`ApiException`; "Failed to fetch resource metadata for …"; "Unrecognized API version
 * and kind …") — over `transport`, without client-node's generated models and serializer. Bodies
 * are sent as given (client-node's serializer drops fields its models do not know; the
 * apiserver drops them too).
 */
export function objectClient(
  transport: KubeTransport,
  server: string,
  defaultNamespace: string,
): ObjectClient {
  const discovered = new Map<string, readonly ApiResource[]>();

  const send = (method: string, path: string, headers: Record<string, string>, body?: unknown) =>
    transport.request({
      method,
      url: `${server}${path}`,
      headers: { Accept: accept, ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const call = async (method: string, path: string) => parseAnswer(await send(method, path, {}));

  const resource = async (apiVersion: string, kind: string): Promise<ApiResource | undefined> => {
    const known = discovered.get(apiVersion)?.find((r) => r.kind === kind);
    if (known) return known;
    try {
      const list = (await call('GET', versionPath(apiVersion))) as { resources: ApiResource[] };
      discovered.set(apiVersion, list.resources);
      return list.resources.find((r) => r.kind === kind);
    } catch (err) {
      // A DOMException's message cannot be set (client-node's attempt fails with a TypeError).
      if (err instanceof Error && !(err instanceof DOMException))
        err.message = `Failed to fetch resource metadata for ${apiVersion}/${kind}: ${err.message}`;
      throw err;
    }
  };

  /** The object's path, and the object with client-node's defaults (apiVersion v1, namespace). */
  const locate = async (spec: ObjectSpec, action: 'create' | 'list' | 'patch') => {
    if (!spec.kind) throw new Error('Required spec property kind is not set');
    const apiVersion = spec.apiVersion || 'v1';
    const found = await resource(apiVersion, spec.kind);
    if (!found) throw new Error(`Unrecognized API version and kind: ${apiVersion} ${spec.kind}`);
    const metadata = { ...spec.metadata };
    if (found.namespaced && !metadata.namespace && action !== 'list') metadata.namespace = defaultNamespace;
    const parts = [versionPath(apiVersion)];
    if (found.namespaced && metadata.namespace)
      parts.push('namespaces', encodeURIComponent(String(metadata.namespace)));
    parts.push(found.name);
    if (action === 'patch') {
      if (!metadata.name) throw new Error('Required spec property name is not set');
      parts.push(encodeURIComponent(String(metadata.name)));
    }
    return { path: parts.join('/').toLowerCase(), object: { ...spec, apiVersion, metadata } };
  };

  return {
    async create(spec) {
      const { path, object } = await locate(spec, 'create');
      checkAnswer(await send('POST', path, { 'Content-Type': 'application/json' }, object));
    },
    async list(apiVersion, kind, namespace, labelSelector) {
      const { path } = await locate({ apiVersion, kind, metadata: { namespace } }, 'list');
      const query = new URLSearchParams({ labelSelector });
      return (await call('GET', `${path}?${query}`)) as ObjectList;
    },
    async patch(spec, contentType) {
      const { path, object } = await locate(spec, 'patch');
      checkAnswer(await send('PATCH', path, { 'Content-Type': contentType }, object));
    },
  };
}
