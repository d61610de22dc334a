import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { matchesLabelSelector } from './label-selector.ts';
import { type Cause, validateMetadata, validateName } from './validation.ts';

type Obj = Record<string, unknown> & {
  metadata: Record<string, unknown> & { name: string; namespace?: string };
};

/** A resource type the fake serves. */
export interface FakeResource {
  readonly group: string; // '' for core
  readonly version: string;
  readonly plural: string;
  readonly kind: string;
  readonly namespaced: boolean;
}

/** A fault rule: matching requests get `status` (or a dropped connection), `times` times or with `probability`. */
export interface FaultRule {
  method?: string;
  pathPattern?: RegExp;
  status?: number;
  /** 429 as the apiserver sends it under load: a plain-text body, not a Status. */
  plainText?: boolean;
  retryAfter?: number;
  latencyMs?: number;
  dropConnection?: boolean;
  times?: number;
  probability?: number;
  message?: string;
  /** A raw body to send instead of a Status: a string as text/plain, anything else as JSON. */
  body?: unknown;
}

/** Selects stored objects: a plural (`'pipelineruns'`) or any of group, version, plural, namespace. */
export type ObjectFilter = string | { group?: string; version?: string; plural?: string; namespace?: string };

export interface RequestLogEntry {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly at: number;
  /** Same as `at` (epoch ms the request arrived). */
  readonly time: number;
}

export interface KubeFake {
  readonly url: string;
  readonly kubeconfigPath: string;
  readonly token: string;
  /** Stored objects of a plural (all namespaces), e.g. `objects('pipelineruns')`. */
  objects(filter?: ObjectFilter): Obj[];
  /** Successful creates (201) of matching objects since start, including ones deleted since. */
  createCount(filter?: ObjectFilter): number;
  readonly requestLog: RequestLogEntry[];
  readonly faults: { inject(rule: FaultRule): void; clear(): void };
  addNamespace(name: string): void;
  /** Ends open watches and makes the next watch from an older resourceVersion get 410 Expired. */
  expireWatches(): void;
  /** Sets `.status` as Tekton's controller would, emitting MODIFIED to watchers. */
  setStatus(namespace: string, plural: string, name: string, status: unknown): void;
  close(): Promise<void>;
}

const defaultResources: FakeResource[] = [
  { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false },
  { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true },
  { group: 'tekton.dev', version: 'v1', plural: 'pipelineruns', kind: 'PipelineRun', namespaced: true },
  { group: 'tekton.dev', version: 'v1', plural: 'taskruns', kind: 'TaskRun', namespaced: true },
];

const generateAlphabet = 'bcdfghjklmnpqrstvwxz2456789';

function status(code: number, reason: string, message: string, details?: Record<string, unknown>) {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  };
}

/**
 * A Kubernetes API server fake for what Signalbox uses, reproducing the real rules: discovery,
 * create with generateName (the real alphabet, prefix cut at 58), name/label/annotation validation
 * (422 Invalid with causes), Tekton's admission webhook (run names ≤ 63 → 400), 409 AlreadyExists,
 * 404 for unknown namespaces and resources, get, list with labelSelector, merge and JSON patch
 * (strategic merge on a custom resource → 415), delete, and watch with resourceVersion, bookmarks
 * and 410 Expired. Every error is a `Status`. Faults are injected per route.
 */
export async function startKubeFake(
  options: {
    namespaces?: string[];
    crds?: (Omit<FakeResource, 'namespaced'> & { namespaced?: boolean })[];
  } = {},
): Promise<KubeFake> {
  const resources = [
    ...defaultResources,
    ...(options.crds ?? []).map((c) => ({ ...c, namespaced: c.namespaced ?? true })),
  ];
  const created: { group: string; version: string; plural: string; namespace: string }[] = [];
  const matches = (
    filter: ObjectFilter | undefined,
    r: { group: string; version: string; plural: string; namespace: string },
  ) => {
    if (filter === undefined) return true;
    const f = typeof filter === 'string' ? { plural: filter } : filter;
    return (
      (f.group === undefined || f.group === r.group) &&
      (f.version === undefined || f.version === r.version) &&
      (f.plural === undefined || f.plural === r.plural) &&
      (f.namespace === undefined || f.namespace === r.namespace)
    );
  };
  const token = randomBytes(16).toString('hex');
  const namespaces = new Set(options.namespaces ?? ['default']);
  const store = new Map<string, Obj>(); // `${plural}/${ns}/${name}`
  let rv = 1;
  let oldestValidRv = 0;
  const history: { rv: number; plural: string; namespace: string; type: string; object: Obj }[] = [];
  const watchers = new Set<{ plural: string; namespace?: string; selector?: string; res: ServerResponse }>();
  const requestLog: RequestLogEntry[] = [];
  let faults: (FaultRule & { used: number })[] = [];

  const emit = (type: string, plural: string, object: Obj) => {
    const namespace = object.metadata.namespace ?? '';
    history.push({
      rv: Number(object.metadata.resourceVersion),
      plural,
      namespace,
      type,
      object: structuredClone(object),
    });
    if (history.length > 2000) history.shift();
    for (const w of watchers) {
      if (w.plural !== plural || (w.namespace && w.namespace !== namespace)) continue;
      if (!matchesLabelSelector(w.selector, (object.metadata.labels ?? {}) as Record<string, string>))
        continue;
      w.res.write(`${JSON.stringify({ type, object })}\n`);
    }
  };

  const send = (res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(code, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  };

  const readBody = (req: IncomingMessage) =>
    new Promise<string>((resolve) => {
      let text = '';
      req.on('data', (c: Buffer) => {
        text += c.toString();
      });
      req.on('end', () => resolve(text));
    });

  function discovery(path: string): unknown {
    if (path === '/api') return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] };
    if (path === '/apis') {
      const groups = [...new Set(resources.filter((r) => r.group).map((r) => `${r.group}/${r.version}`))];
      return {
        kind: 'APIGroupList',
        apiVersion: 'v1',
        groups: groups.map((gv) => {
          const [name, version] = gv.split('/');
          return {
            name,
            versions: [{ groupVersion: gv, version }],
            preferredVersion: { groupVersion: gv, version },
          };
        }),
      };
    }
    const m = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))$/.exec(path);
    if (!m) return undefined;
    const group = m[2] ?? '';
    const version = m[1] ?? m[3];
    const list = resources.filter((r) => r.group === group && r.version === version);
    if (list.length === 0) return undefined;
    return {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: group ? `${group}/${version}` : version,
      resources: list.map((r) => ({
        name: r.plural,
        singularName: r.kind.toLowerCase(),
        namespaced: r.namespaced,
        kind: r.kind,
        verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
      })),
    };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<number> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    for (const rule of faults) {
      if (rule.method && rule.method !== method) continue;
      if (rule.pathPattern && !rule.pathPattern.test(url.pathname)) continue;
      if (rule.times !== undefined && rule.used >= rule.times) continue;
      if (rule.probability !== undefined && Math.random() >= rule.probability) continue;
      rule.used++;
      if (rule.latencyMs) await new Promise((r) => setTimeout(r, rule.latencyMs));
      if (rule.dropConnection) {
        req.socket.destroy();
        return 0;
      }
      if (rule.body !== undefined) {
        const text = typeof rule.body === 'string';
        res
          .writeHead(rule.status ?? 500, {
            'content-type': text ? 'text/plain; charset=utf-8' : 'application/json',
            ...(rule.retryAfter !== undefined ? { 'retry-after': String(rule.retryAfter) } : {}),
          })
          .end(text ? (rule.body as string) : JSON.stringify(rule.body));
        return rule.status ?? 500;
      }
      if (rule.status) {
        const headers: Record<string, string> =
          rule.retryAfter !== undefined ? { 'retry-after': String(rule.retryAfter) } : {};
        if (rule.plainText) {
          res
            .writeHead(rule.status, { 'content-type': 'text/plain; charset=utf-8', ...headers })
            .end(rule.message ?? 'Too many requests, please try again later.\n');
        } else {
          const reason =
            rule.status === 429 ? 'TooManyRequests' : rule.status >= 500 ? 'InternalError' : 'BadRequest';
          send(
            res,
            rule.status,
            status(rule.status, reason, rule.message ?? `injected ${rule.status}`),
            headers,
          );
        }
        return rule.status;
      }
    }
    if (req.headers.authorization !== `Bearer ${token}`) {
      send(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
      return 401;
    }
    const disc = method === 'GET' ? discovery(url.pathname) : undefined;
    if (disc) {
      send(res, 200, disc);
      return 200;
    }
    const m = /^\/(?:api\/v1|apis\/([^/]+)\/([^/]+))(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?$/.exec(
      url.pathname,
    );
    const group = m?.[1] ?? '';
    const version = m?.[2] ?? 'v1';
    let namespace = m?.[3];
    let plural = m?.[4] ?? '';
    let name = m?.[5];
    // /api/v1/namespaces/<name> is the namespace object itself.
    if (m && !group && plural && namespace === undefined && plural === 'namespaces') {
      name = m[5];
    } else if (m && !group && m[3] && !m[4]) {
      plural = 'namespaces';
      name = m[3];
      namespace = undefined;
    }
    const resource = resources.find((r) => r.group === group && r.version === version && r.plural === plural);
    if (!m || !resource) {
      send(res, 404, status(404, 'NotFound', 'the server could not find the requested resource'));
      return 404;
    }
    if (
      resource.namespaced &&
      namespace &&
      !namespaces.has(namespace) &&
      !(method === 'GET' && url.searchParams.get('watch'))
    ) {
      send(
        res,
        404,
        status(404, 'NotFound', `namespaces "${namespace}" not found`, {
          name: namespace,
          kind: 'namespaces',
        }),
      );
      return 404;
    }
    const groupRes = resource.group ? `${resource.plural}.${resource.group}` : resource.plural;
    const key = (ns: string | undefined, n: string) => `${plural}/${ns ?? ''}/${n}`;

    if (method === 'POST' && !name) {
      const body = JSON.parse((await readBody(req)) || '{}') as Obj;
      const metadata = (body.metadata ??= {} as Obj['metadata']);
      const ns = resource.namespaced
        ? (namespace ?? (metadata.namespace as string | undefined) ?? 'default')
        : undefined;
      if (resource.namespaced && metadata.namespace && metadata.namespace !== ns) {
        send(
          res,
          400,
          status(
            400,
            'BadRequest',
            'the namespace of the provided object does not match the namespace sent on the request',
          ),
        );
        return 400;
      }
      let objectName = metadata.name as string | undefined;
      const causes: Cause[] = [];
      if (!objectName && typeof metadata.generateName === 'string') {
        const prefix = metadata.generateName.slice(0, 58);
        causes.push(...validateName(`${prefix}a`, 'metadata.generateName'));
        objectName =
          prefix +
          Array.from(
            { length: 5 },
            () => generateAlphabet[Math.floor(Math.random() * generateAlphabet.length)],
          ).join('');
      }
      if (!objectName) {
        send(
          res,
          422,
          status(
            422,
            'Invalid',
            `${resource.kind} "" is invalid: metadata.name: Required value: name or generateName is required`,
            {
              kind: plural,
              group: resource.group,
              causes: [
                {
                  reason: 'FieldValueRequired',
                  message: 'Required value: name or generateName is required',
                  field: 'metadata.name',
                },
              ],
            },
          ),
        );
        return 422;
      }
      if (!metadata.generateName || metadata.name) causes.push(...validateName(objectName, 'metadata.name'));
      causes.push(
        ...validateMetadata(
          metadata as { labels?: Record<string, unknown>; annotations?: Record<string, unknown> },
        ),
      );
      if (causes.length > 0) {
        send(
          res,
          422,
          status(
            422,
            'Invalid',
            `${resource.kind}.${resource.group || 'core'} "${objectName}" is invalid: ${causes.map((c) => `${c.field}: ${c.message}`).join(', ')}`,
            {
              name: objectName,
              group: resource.group,
              kind: resource.kind,
              causes,
            },
          ),
        );
        return 422;
      }
      if (resource.group === 'tekton.dev' && objectName.length > 63) {
        send(
          res,
          400,
          status(
            400,
            'BadRequest',
            `admission webhook "validation.webhook.pipeline.tekton.dev" denied the request: validation failed: Invalid resource name: length must be no more than 63 characters: metadata.name`,
          ),
        );
        return 400;
      }
      if (store.has(key(ns, objectName))) {
        const message =
          metadata.generateName && !metadata.name
            ? `${groupRes} "${objectName}" already exists, the server was not able to generate a unique name for the object`
            : `${groupRes} "${objectName}" already exists`;
        send(
          res,
          409,
          status(409, 'AlreadyExists', message, {
            name: objectName,
            group: resource.group,
            kind: plural,
            ...(metadata.generateName && !metadata.name ? { retryAfterSeconds: 1 } : {}),
          }),
        );
        return 409;
      }
      const createdObject: Obj = {
        ...body,
        apiVersion: resource.group ? `${resource.group}/${resource.version}` : resource.version,
        kind: resource.kind,
        metadata: {
          ...metadata,
          name: objectName,
          ...(ns ? { namespace: ns } : {}),
          uid: randomUUID(),
          resourceVersion: String(++rv),
          creationTimestamp: new Date().toISOString(),
          generation: 1,
        },
      };
      if (plural === 'namespaces') namespaces.add(objectName);
      store.set(key(ns, objectName), createdObject);
      created.push({ group: resource.group, version: resource.version, plural, namespace: ns ?? '' });
      emit('ADDED', plural, createdObject);
      send(res, 201, createdObject);
      return 201;
    }

    if (method === 'GET' && !name) {
      const selector = url.searchParams.get('labelSelector') ?? undefined;
      if (url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1') {
        const from = Number(url.searchParams.get('resourceVersion') ?? '0');
        if (from && from < oldestValidRv) {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(
            `${JSON.stringify({ type: 'ERROR', object: status(410, 'Expired', `too old resource version: ${from} (${oldestValidRv})`) })}\n`,
          );
          return 200;
        }
        res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
        const watcher = {
          plural,
          ...(namespace ? { namespace } : {}),
          ...(selector ? { selector } : {}),
          res,
        };
        for (const h of history) {
          if (h.rv <= from || h.plural !== plural || (namespace && h.namespace !== namespace)) continue;
          if (!matchesLabelSelector(selector, (h.object.metadata.labels ?? {}) as Record<string, string>))
            continue;
          res.write(`${JSON.stringify({ type: h.type, object: h.object })}\n`);
        }
        if (url.searchParams.get('allowWatchBookmarks') === 'true') {
          res.write(
            `${JSON.stringify({ type: 'BOOKMARK', object: { kind: resource.kind, apiVersion: resource.group ? `${resource.group}/${resource.version}` : 'v1', metadata: { resourceVersion: String(rv) } } })}\n`,
          );
        }
        watchers.add(watcher);
        const timeout = Number(url.searchParams.get('timeoutSeconds') ?? '0');
        const timer = timeout > 0 ? setTimeout(() => res.end(), timeout * 1000) : undefined;
        res.on('close', () => {
          clearTimeout(timer);
          watchers.delete(watcher);
        });
        return 200;
      }
      const items = [...store.entries()]
        .filter(
          ([k]) => k.startsWith(`${plural}/${namespace ?? ''}`) || (!namespace && k.startsWith(`${plural}/`)),
        )
        .map(([, o]) => o)
        .filter((o) => matchesLabelSelector(selector, (o.metadata.labels ?? {}) as Record<string, string>));
      send(res, 200, {
        kind: `${resource.kind}List`,
        apiVersion: resource.group ? `${resource.group}/${resource.version}` : 'v1',
        metadata: { resourceVersion: String(rv) },
        items,
      });
      return 200;
    }

    const existing = name ? store.get(key(namespace, name)) : undefined;
    if (!existing) {
      send(
        res,
        404,
        status(404, 'NotFound', `${groupRes} "${name}" not found`, {
          name,
          group: resource.group,
          kind: plural,
        }),
      );
      return 404;
    }
    if (method === 'GET') {
      send(res, 200, existing);
      return 200;
    }
    if (method === 'DELETE') {
      store.delete(key(namespace, name as string));
      const deleted = { ...existing, metadata: { ...existing.metadata, resourceVersion: String(++rv) } };
      emit('DELETED', plural, deleted);
      send(res, 200, deleted);
      return 200;
    }
    if (method === 'PATCH') {
      const type = String(req.headers['content-type'] ?? '').split(';')[0];
      const patch = JSON.parse((await readBody(req)) || 'null') as unknown;
      let next: Obj;
      if (type === 'application/merge-patch+json') next = mergePatch(existing, patch) as Obj;
      else if (type === 'application/json-patch+json' && Array.isArray(patch))
        next = jsonPatch(existing, patch) as Obj;
      else if (type === 'application/strategic-merge-patch+json' && resource.group) {
        send(
          res,
          415,
          status(
            415,
            'UnsupportedMediaType',
            `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`,
          ),
        );
        return 415;
      } else {
        send(res, 400, status(400, 'BadRequest', `unsupported patch: ${type}`));
        return 400;
      }
      next.metadata = {
        ...next.metadata,
        name: existing.metadata.name,
        uid: existing.metadata.uid,
        resourceVersion: String(++rv),
      };
      store.set(key(namespace, name as string), next);
      emit('MODIFIED', plural, next);
      send(res, 200, next);
      return 200;
    }
    send(res, 405, status(405, 'MethodNotAllowed', `method ${method} not allowed`));
    return 405;
  }

  const server = createServer((req, res) => {
    const at = Date.now();
    handle(req, res).then(
      (code) =>
        requestLog.push({ method: req.method ?? 'GET', path: req.url ?? '', status: code, at, time: at }),
      (err: Error) => {
        send(res, 500, status(500, 'InternalError', err.message));
        requestLog.push({ method: req.method ?? 'GET', path: req.url ?? '', status: 500, at, time: at });
      },
    );
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const dir = mkdtempSync(join(tmpdir(), 'sb-kube-'));
  const kubeconfigPath = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfigPath,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'fake', cluster: { server: url, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'fake', user: { token } }],
      contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'fake', namespace: 'default' } }],
      'current-context': 'fake',
    }),
  );
  return {
    url,
    kubeconfigPath,
    token,
    objects: (filter) =>
      [...store.entries()]
        .filter(([k, o]) => {
          const plural = k.slice(0, k.indexOf('/'));
          const r = resources.find((x) => x.plural === plural);
          return matches(filter, {
            group: r?.group ?? '',
            version: r?.version ?? 'v1',
            plural,
            namespace: o.metadata.namespace ?? '',
          });
        })
        .map(([, o]) => o),
    createCount: (filter) => created.filter((c) => matches(filter, c)).length,
    requestLog,
    faults: {
      inject: (rule) => faults.push({ ...rule, used: 0 }),
      clear: () => {
        faults = [];
      },
    },
    addNamespace: (n) => namespaces.add(n),
    expireWatches() {
      oldestValidRv = rv + 1;
      history.length = 0;
      for (const w of watchers) w.res.end();
      watchers.clear();
    },
    setStatus(namespace, plural, name, value) {
      const k = `${plural}/${namespace}/${name}`;
      const o = store.get(k);
      if (!o) throw new Error(`no ${k}`);
      const next = { ...o, status: value, metadata: { ...o.metadata, resourceVersion: String(++rv) } };
      store.set(k, next);
      emit('MODIFIED', plural, next);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const w of watchers) w.res.end();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    target && typeof target === 'object' && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function jsonPatch(target: unknown, ops: { op: string; path: string; value?: unknown }[]): unknown {
  const doc = structuredClone(target) as Record<string, unknown>;
  for (const op of ops) {
    const parts = op.path
      .split('/')
      .slice(1)
      .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = parts.pop() as string;
    let node = doc as Record<string, unknown>;
    for (const p of parts) node = (node[p] ??= {}) as Record<string, unknown>;
    if (op.op === 'remove') delete node[last];
    else if (op.op === 'add' || op.op === 'replace') node[last] = op.value;
    else throw new Error(`unsupported json patch op ${op.op}`);
  }
  return doc;
}
