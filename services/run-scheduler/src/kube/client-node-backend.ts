import { type KubeConfig, KubernetesObjectApi, PatchStrategy, Watch } from '@kubernetes/client-node';
import type { KubeBackendConfig } from '../kube-backend.ts';
import { PooledKubeConfig } from '../pooled-kube-config.ts';
import type { KubeObject, WatchableRunBackend } from '../run-backend.ts';
import { createOnce, mergePatchBody } from './backend-steps.ts';
import { watchPath } from './watch-path.ts';

/**
 * client-node 2.0 keeps a watch's inactivity timeout in a field that is private to TypeScript
 * only, with no setter; its default of 30 s would cut quiet watches twice a minute. Kept here,
 * behind the backend, so a client-node upgrade that renames it touches one line.
 */
function setInactivityTimeout(watch: Watch, ms: number): void {
  const timeouts = watch as unknown as { requestTimeoutMs?: number };
  if (typeof timeouts.requestTimeoutMs === 'number') timeouts.requestTimeoutMs = ms;
}

/**
 * The backend through all of `@kubernetes/client-node` — its KubernetesObjectApi and Watch, on a
 * `PooledKubeConfig` with `config`'s entries and settings — for a cluster behind a `proxy-url`,
 * which only client-node's transport (its HTTP, HTTPS and SOCKS proxy agents) can reach. Loading
 * it costs ~80 MB of RSS, so `kubeBackend` imports this module only for such a cluster.
 */
export function clientNodeBackend(config: KubeBackendConfig): WatchableRunBackend {
  const { refreshMs, requestTimeoutMs } = config.transport;
  const kc: KubeConfig = new PooledKubeConfig({ refreshMs, requestTimeoutMs });
  kc.loadFromOptions({
    clusters: config.getClusters(),
    users: config.getUsers(),
    contexts: config.getContexts(),
    currentContext: config.getCurrentContext(),
  });
  const api = KubernetesObjectApi.makeApiClient(kc);
  return {
    create: (object) => createOnce(() => api.create(object)),
    async list(apiVersion, kind, namespace, labelSelector) {
      const list = await api.list(
        apiVersion,
        kind,
        namespace,
        undefined,
        undefined,
        undefined,
        undefined,
        labelSelector,
      );
      return { items: list.items as KubeObject[], resourceVersion: list.metadata?.resourceVersion };
    },
    async mergePatch(object, patch) {
      await api.patch(
        mergePatchBody(object, patch),
        undefined,
        undefined,
        undefined,
        undefined,
        PatchStrategy.MergePatch,
      );
    },
    async watch(request, onEvent) {
      const watch = new Watch(kc);
      setInactivityTimeout(watch, request.inactivityTimeoutMs);
      let end: (err: unknown) => void = () => {};
      const ended = new Promise<unknown>((resolve) => {
        end = resolve;
      });
      const controller = await watch.watch(
        watchPath(request),
        {
          ...(request.resourceVersion ? { resourceVersion: request.resourceVersion } : {}),
          allowWatchBookmarks: true,
          labelSelector: request.labelSelector,
          timeoutSeconds: request.timeoutSeconds,
        },
        onEvent,
        end,
      );
      return { abort: () => controller.abort(), ended };
    },
  };
}
