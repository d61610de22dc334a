import type { Cluster, Context, User } from '@kubernetes/client-node';
// client-node's own module, not its index (which loads its generated API, ~80 MB of RSS).
import { PatchStrategy } from '@kubernetes/client-node/dist/patch.js';
import { createOnce, mergePatchBody } from './kube/backend-steps.ts';
import type { KubeAccess, KubeTransport } from './kube/kube-transport.ts';
import { objectClient } from './kube/object-client.ts';
import { openWatch } from './kube/open-watch.ts';
import { watchPath } from './kube/watch-path.ts';
import type { KubeObject, WatchableRunBackend } from './run-backend.ts';

/** What the backend needs of a kubeconfig: `LeanKubeConfig` and `PooledKubeConfig` both offer it. */
export interface KubeBackendConfig extends KubeAccess {
  /** Requests to the current cluster (pooled connections, request timeout). */
  readonly transport: KubeTransport;
  getContextObject(name: string): Context | null;
  getClusters(): Cluster[];
  getUsers(): User[];
  getContexts(): Context[];
}

/** A backend whose every call first waits for the one `loading` gives. */
function deferred(loading: Promise<WatchableRunBackend>): WatchableRunBackend {
  // Reported by each call that needs it.
  loading.catch(() => {});
  return {
    create: async (object) => (await loading).create(object),
    list: async (...args) => (await loading).list(...args),
    mergePatch: async (object, patch) => (await loading).mergePatch(object, patch),
    watch: async (request, onEvent) => (await loading).watch(request, onEvent),
  };
}

/**
 * Runs through the requests client-node's KubernetesObjectApi and Watch make (`objectClient`,
 * `openWatch`: any kind, resolved through discovery), on the kubeconfig's transport — shared
 * connections and a request timeout — and without loading client-node's generated API. A 409
 * AlreadyExists on create is success: the deterministic name was taken by an earlier attempt of
 * the same job. A cluster behind a `proxy-url` goes through client-node itself
 * (`clientNodeBackend`, loaded only then).
 */
export function kubeBackend(kc: KubeBackendConfig): WatchableRunBackend {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('No active cluster!');
  if (cluster.proxyUrl)
    return deferred(import('./kube/client-node-backend.ts').then((m) => m.clientNodeBackend(kc)));
  const { server } = cluster;
  const api = objectClient(
    kc.transport,
    server,
    kc.getContextObject(kc.getCurrentContext())?.namespace || 'default',
  );
  return {
    create: (object) => createOnce(() => api.create(object)),
    async list(apiVersion, kind, namespace, labelSelector) {
      const list = await api.list(apiVersion, kind, namespace, labelSelector);
      return { items: list.items as KubeObject[], resourceVersion: list.metadata?.resourceVersion };
    },
    async mergePatch(object, patch) {
      await api.patch(mergePatchBody(object, patch), PatchStrategy.MergePatch);
    },
    async watch(request, onEvent) {
      let end: (err: unknown) => void = () => {};
      const ended = new Promise<unknown>((resolve) => {
        end = resolve;
      });
      const watching = await openWatch(
        kc.transport,
        `${server}${watchPath(request)}`,
        {
          ...(request.resourceVersion ? { resourceVersion: request.resourceVersion } : {}),
          allowWatchBookmarks: true,
          labelSelector: request.labelSelector,
          timeoutSeconds: request.timeoutSeconds,
        },
        onEvent as (type: string, object: unknown) => void,
        end,
        request.inactivityTimeoutMs,
      );
      return { abort: () => watching.abort(), ended };
    },
  };
}
