import {
  ApiException,
  type KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  Watch,
} from '@kubernetes/client-node';
import type { KubeObject, WatchableRunBackend, WatchRequest } from './run-backend.ts';

/** `/apis/<group>/<version>` or, for the core group (`v1`), `/api/v1`. */
function watchPath({ apiVersion, resource, namespace }: WatchRequest): string {
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  return namespace === undefined
    ? `${base}/${resource}`
    : `${base}/namespaces/${encodeURIComponent(namespace)}/${resource}`;
}

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
 * Runs through `@kubernetes/client-node`'s KubernetesObjectApi, which resolves any kind through
 * discovery, and its Watch. A 409 AlreadyExists on create is success: the deterministic name was
 * taken by an earlier attempt of the same job. Request timeouts and connection reuse come from
 * the KubeConfig (`PooledKubeConfig`; a plain KubeConfig has neither).
 */
export function kubeBackend(kc: KubeConfig): WatchableRunBackend {
  const api = KubernetesObjectApi.makeApiClient(kc);
  return {
    async create(object) {
      try {
        await api.create(object);
        return { created: true };
      } catch (err) {
        if (err instanceof ApiException && err.code === 409 && /AlreadyExists/.test(String(err.body)))
          return { created: false };
        throw err;
      }
    },
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
        {
          ...patch,
          apiVersion: object.apiVersion,
          kind: object.kind,
          metadata: { name: object.metadata.name, namespace: object.metadata.namespace },
        },
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
