import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { type FaultHandle, FaultInjector, type FaultRule } from './fault-injector.ts';
import { createKubeApiHandler } from './kube-api-handler.ts';
import { type KubeObject, ObjectStore } from './object-store.ts';
import { defaultResourceTypes, type FakeResource, type ResourceType } from './resource-type.ts';
import type { OpenWatch } from './watch-stream.ts';
import { writeKubeconfig } from './write-kubeconfig.ts';

export type { FakeResource, FaultHandle, FaultRule, KubeObject as StoredObject };

/** Options of `startKubeFake`. */
export interface KubeFakeOptions {
  /** Namespaces that exist from the start (default `['default']`); creating elsewhere is a 404. */
  readonly namespaces?: readonly string[];
  /** Custom resources served besides namespaces, configmaps and Tekton's pipelineruns/taskruns. */
  readonly crds?: readonly FakeResource[];
  /** The bearer token the kubeconfig carries and every request must present (default random). */
  readonly token?: string;
  /** Events kept for watches resuming from a resourceVersion (default 1000); older → 410. */
  readonly historyLimit?: number;
  /** Period of BOOKMARK events on watches that allow them (ms, default 60 000 like the apiserver). */
  readonly bookmarkIntervalMs?: number;
  /**
   * Create attempts for a `generateName` before 409 (default 8: Kubernetes ≥ 1.32 retries name
   * collisions itself; 1 reproduces older clusters).
   */
  readonly generateNameAttempts?: number;
  /** Random source for generated names and fault probabilities (default `Math.random`). */
  readonly random?: () => number;
  /** Port on 127.0.0.1 (default: a free one). */
  readonly port?: number;
}

/** Selects stored objects: a plural (`'pipelineruns'`), or any of group, version, plural, namespace, name. */
export type ObjectFilter =
  | string
  | {
      readonly group?: string;
      readonly version?: string;
      readonly plural?: string;
      readonly namespace?: string;
      readonly name?: string;
    };

/** One request as the fake saw it. */
export interface RequestLogEntry {
  readonly method: string;
  /** Path and query string. */
  readonly path: string;
  /** The HTTP status answered; 0 when the connection was dropped by a fault. */
  readonly status: number;
  /** When the request arrived (epoch ms). */
  readonly at: number;
  /** Same as `at`. */
  readonly time: number;
  /** Until the response was written (for a watch: until the stream started). */
  readonly durationMs: number;
}

/** A running Kubernetes API fake. */
export interface KubeFake {
  readonly url: string;
  /** A kubeconfig file for `KubeConfig.loadFromFile` / `KUBECONFIG` (namespace: the first one). */
  readonly kubeconfigPath: string;
  readonly token: string;
  /** The current resourceVersion (the global counter every write increments). */
  readonly resourceVersion: string;
  /** Copies of the stored objects that match, in etcd key order per resource. */
  objects(filter?: ObjectFilter): KubeObject[];
  /** Successful creates (201) of matching objects since start, including ones deleted since. */
  createCount(filter?: ObjectFilter): number;
  readonly requestLog: readonly RequestLogEntry[];
  readonly faults: { inject(rule: FaultRule): FaultHandle; clear(): void };
  /** Creates a namespace as if `kubectl create namespace` ran (no-op when it exists). */
  addNamespace(name: string): void;
  /**
   * Forgets the event history, as an etcd compaction does: every open watch gets an ERROR event with
   * a 410 `Expired` Status and ends, and any watch from a resourceVersion older than now gets the same.
   */
  expireWatches(): void;
  /** Ends every open watch the way the apiserver ends them periodically (the stream just closes). */
  closeWatches(): void;
  /** Sends a BOOKMARK now on every open watch that allows bookmarks. */
  sendBookmarks(): void;
  /**
   * Writes `.status` of an object as a controller would through the status subresource (Tekton's
   * controller moving a PipelineRun to Running/Succeeded/Failed): new resourceVersion, MODIFIED to
   * watches. Throws when there is no such object. Returns the stored object.
   */
  setStatus(namespace: string, plural: string, name: string, status: unknown): KubeObject;
  close(): Promise<void>;
}

const customType = (crd: FakeResource): ResourceType => ({
  group: crd.group,
  version: crd.version,
  plural: crd.plural,
  kind: crd.kind,
  namespaced: crd.namespaced ?? true,
  custom: true,
  statusSubresource: crd.statusSubresource ?? true,
  shortNames: [],
  categories: [],
});

/**
 * Starts a Kubernetes API server fake on 127.0.0.1 that the real `@kubernetes/client-node` talks to
 * over HTTP, reproducing the API machinery Signalbox relies on: discovery; create with generateName
 * (the real alphabet, prefix cut at 58), name/label/annotation validation by apimachinery's rules
 * (422 `Invalid` with causes), Tekton's admission webhooks (400), 409 `AlreadyExists`, 404 for a
 * missing namespace or an unknown resource; get; list with label/field selectors, limit/continue and
 * resourceVersion; merge, JSON and apply patches (strategic merge on a custom resource → 415); the
 * status subresource; delete with preconditions and finalizers; watch with resume, bookmarks and
 * 410 `Expired`; bearer-token authentication; a `Status` body for every API error; and fault
 * injection per route (Status codes, plain-text 429 with `Retry-After`, latency, dropped sockets).
 */
export async function startKubeFake(options: KubeFakeOptions = {}): Promise<KubeFake> {
  const types: ResourceType[] = [...defaultResourceTypes, ...(options.crds ?? []).map(customType)];
  const token = options.token ?? randomBytes(16).toString('hex');
  const random = options.random ?? Math.random;
  const store = new ObjectStore(options.historyLimit ?? 1000);
  const faults = new FaultInjector(random);
  const requestLog: RequestLogEntry[] = [];
  const created: { group: string; version: string; plural: string; namespace: string; name: string }[] = [];
  const openWatches = new Set<OpenWatch>();
  const namespaceType = types.find((t) => t.plural === 'namespaces' && t.group === '') as ResourceType;

  const matches = (filter: ObjectFilter | undefined, r: (typeof created)[number]) => {
    if (filter === undefined) return true;
    const f = typeof filter === 'string' ? { plural: filter } : filter;
    return (
      (f.group === undefined || f.group === r.group) &&
      (f.version === undefined || f.version === r.version) &&
      (f.plural === undefined || f.plural === r.plural) &&
      (f.namespace === undefined || f.namespace === r.namespace) &&
      (f.name === undefined || f.name === r.name)
    );
  };

  const server = createServer({ keepAliveTimeout: 60_000 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const url = `http://127.0.0.1:${port}`;

  const handle = createKubeApiHandler({
    store,
    types,
    token,
    faults,
    generateNameAttempts: options.generateNameAttempts ?? 8,
    random,
    bookmarkIntervalMs: options.bookmarkIntervalMs ?? 60_000,
    serverAddress: `127.0.0.1:${port}`,
    onCreated: (t, o) =>
      created.push({
        group: t.group,
        version: t.version,
        plural: t.plural,
        namespace: o.metadata.namespace ?? '',
        name: o.metadata.name,
      }),
    onWatch: (w) => {
      openWatches.add(w);
      return () => openWatches.delete(w);
    },
  });
  server.on('request', (req, res) => {
    const at = Date.now();
    const log = (status: number) =>
      requestLog.push({
        method: req.method ?? 'GET',
        path: req.url ?? '',
        status,
        at,
        time: at,
        durationMs: Date.now() - at,
      });
    handle(req, res).then(log, (err: unknown) => {
      // The handler answers API errors itself; this is a bug in the fake, surfaced loudly.
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err));
      log(500);
    });
  });

  const addNamespace = (name: string) => {
    if (store.get(namespaceType, undefined, name)) return;
    const ns = {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name,
        uid: randomUUID(),
        resourceVersion: String(store.nextResourceVersion()),
        creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
        labels: { 'kubernetes.io/metadata.name': name },
      },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    };
    store.commit('ADDED', namespaceType, ns);
  };
  const namespaces = options.namespaces ?? ['default'];
  for (const ns of namespaces) addNamespace(ns);
  const kubeconfigPath = writeKubeconfig(url, token, namespaces[0] ?? 'default');

  return {
    url,
    kubeconfigPath,
    token,
    get resourceVersion() {
      return String(store.resourceVersion);
    },
    objects(filter) {
      const out: KubeObject[] = [];
      for (const t of types) {
        const objects = store.list(t);
        for (const o of objects) {
          const r = {
            group: t.group,
            version: t.version,
            plural: t.plural,
            namespace: o.metadata.namespace ?? '',
            name: o.metadata.name,
          };
          if (matches(filter, r)) out.push(structuredClone(o));
        }
      }
      return out;
    },
    createCount: (filter) => created.filter((c) => matches(filter, c)).length,
    requestLog,
    faults: { inject: (rule) => faults.inject(rule), clear: () => faults.clear() },
    addNamespace,
    expireWatches: () => store.compact(),
    closeWatches() {
      for (const w of [...openWatches]) w.end();
    },
    sendBookmarks() {
      for (const w of openWatches) if (w.allowBookmarks) w.bookmark();
    },
    setStatus(namespace, plural, name, status) {
      const t = types.find((x) => x.plural === plural);
      const existing = t && store.get(t, t.namespaced ? namespace : undefined, name);
      if (!t || !existing) throw new Error(`setStatus: no ${plural} "${name}" in namespace "${namespace}"`);
      const next = {
        ...existing,
        status: structuredClone(status),
        metadata: { ...existing.metadata, resourceVersion: String(store.nextResourceVersion()) },
      } as KubeObject;
      store.commit('MODIFIED', t, next, existing);
      return structuredClone(next);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const w of [...openWatches]) w.end();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
