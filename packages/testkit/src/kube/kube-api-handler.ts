import type { IncomingMessage, ServerResponse } from 'node:http';
import { discoveryDocument } from './discovery.ts';
import type { FaultContext, FaultInjector } from './fault-injector.ts';
import { createKubeApiContext, type KubeApiContext, type Route } from './kube-api-context.ts';
import { KubeApiError } from './kube-api-error.ts';
import { createObject } from './kube-create.ts';
import { deleteObject } from './kube-delete.ts';
import { deleteCollection } from './kube-delete-collection.ts';
import { listObjects } from './kube-list.ts';
import { patchObject } from './kube-patch.ts';
import { replaceObject } from './kube-replace.ts';
import { watchObjects } from './kube-watch.ts';
import type { KubeObject, ObjectStore } from './object-store.ts';
import type { ResourceType } from './resource-type.ts';
import type { OpenWatch } from './watch-stream.ts';

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

const maxBody = 3 * 1024 * 1024;

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

/** A routed request to its verb's handler (one file per verb, as the kube tests are split). */
function serve(
  ctx: KubeApiContext,
  req: IncomingMessage,
  res: ServerResponse,
  route: Route,
  query: URLSearchParams,
  raw: string,
): number {
  const t = route.type;
  const verb = verbOf(req.method ?? 'GET', route, query);
  if (route.name === undefined) {
    if (verb === 'watch') return watchObjects(ctx, route, query, res);
    if (verb === 'list') return listObjects(ctx, route, query, res);
    if (verb === 'deletecollection') return deleteCollection(ctx, route, query, res);
    if (verb === 'create') {
      if (t.namespaced && route.namespace === undefined) throw KubeApiError.methodNotAllowed();
      return createObject(ctx, t, route.namespace, raw, query, res);
    }
    throw KubeApiError.methodNotAllowed();
  }
  const named = route as Route & { name: string };
  if (t.namespaced && route.namespace === undefined) throw KubeApiError.routeNotFound();
  if (verb === 'get') {
    if (route.watchPath) return watchObjects(ctx, route, query, res);
    const o = ctx.store.get(t, route.namespace, named.name);
    if (!o) throw KubeApiError.notFound(t, named.name);
    return ctx.send(res, 200, o);
  }
  if (verb === 'delete') {
    if (route.subresource) throw KubeApiError.methodNotAllowed();
    return deleteObject(ctx, named, raw, query, res);
  }
  if (verb === 'patch') return patchObject(ctx, named, req, raw, query, res);
  if (verb === 'update') return replaceObject(ctx, named, raw, query, res);
  throw KubeApiError.methodNotAllowed();
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
  const { types } = deps;
  const api = createKubeApiContext(deps);
  const { send } = api;

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
      if (route) return serve(api, req, res, route, url.searchParams, raw);
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
