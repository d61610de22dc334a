import { ApiException, type KubeConfig, KubernetesObjectApi, PatchStrategy } from '@kubernetes/client-node';
import type { KubeObject, RunBackend } from './run-backend.ts';

/**
 * Runs through `@kubernetes/client-node`'s KubernetesObjectApi, which resolves any kind through
 * discovery. A 409 AlreadyExists on create is success: the deterministic name was taken by an
 * earlier attempt of the same job. Request timeouts and connection reuse come from the
 * KubeConfig (`PooledKubeConfig`; a plain KubeConfig has neither).
 */
export function kubeBackend(kc: KubeConfig): RunBackend {
  const api = KubernetesObjectApi.makeApiClient(kc);
  return {
    kind: 'kubernetes',
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
      return list.items as KubeObject[];
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
  };
}
