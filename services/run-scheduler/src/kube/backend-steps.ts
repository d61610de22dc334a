// client-node's own module, not its index (which loads its generated API, ~80 MB of RSS).
import { ApiException } from '@kubernetes/client-node/dist/gen/apis/exception.js';
import type { KubeObject } from '../run-backend.ts';

/**
 * Runs a create; a 409 AlreadyExists is success, not an error: the deterministic name was taken by
 * an earlier attempt of the same run. Shared by both backends, whichever client sends it.
 */
export async function createOnce(create: () => Promise<unknown>): Promise<{ created: boolean }> {
  try {
    await create();
    return { created: true };
  } catch (err) {
    if (err instanceof ApiException && err.code === 409 && /AlreadyExists/.test(String(err.body)))
      return { created: false };
    throw err;
  }
}

/** A merge patch's body: the patch, with the object's kind and identity (how the API finds it). */
export function mergePatchBody(object: KubeObject, patch: Record<string, unknown>) {
  return {
    ...patch,
    apiVersion: object.apiVersion,
    kind: object.kind,
    metadata: { name: object.metadata.name, namespace: object.metadata.namespace },
  };
}
