import { ApiException, type KubeConfig, KubernetesObjectApi, PatchStrategy } from '@kubernetes/client-node';
import type { KubeObject, RunBackend } from './run-backend.ts';

/** Rejects after `ms`: client-node has no request timeout of its own. */
function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(Object.assign(new Error(`${what} timed out after ${ms} ms`), { name: 'TimeoutError' })),
      ms,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Runs through `@kubernetes/client-node`'s KubernetesObjectApi, which resolves any kind through
 * discovery. A 409 AlreadyExists on create is success: the deterministic name was taken by an
 * earlier attempt of the same job.
 */
export function kubeBackend(kc: KubeConfig, options: { timeoutMs?: number } = {}): RunBackend {
  const api = KubernetesObjectApi.makeApiClient(kc);
  const timeoutMs = options.timeoutMs ?? 10_000;
  return {
    kind: 'kubernetes',
    async create(object) {
      try {
        await withTimeout(api.create(object), timeoutMs, `create ${object.kind} ${object.metadata.name}`);
        return { created: true };
      } catch (err) {
        if (err instanceof ApiException && err.code === 409 && /AlreadyExists/.test(String(err.body)))
          return { created: false };
        throw err;
      }
    },
    async list(apiVersion, kind, namespace, labelSelector) {
      const list = await withTimeout(
        api.list(apiVersion, kind, namespace, undefined, undefined, undefined, undefined, labelSelector),
        timeoutMs,
        `list ${kind}`,
      );
      return list.items as KubeObject[];
    },
    async mergePatch(object, patch) {
      await withTimeout(
        api.patch(
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
        ),
        timeoutMs,
        `patch ${object.kind} ${object.metadata.name}`,
      );
    },
  };
}
