import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

const serviceAccountToken = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/** Where the cluster's credentials come from, or `undefined` when there is no cluster. */
export type KubeConfigSource = 'kubeconfig' | 'home' | 'in-cluster';

/**
 * Finds the cluster the way kubectl and client-node's `loadFromDefault` do — `$KUBECONFIG`
 * (first file, the others merged), then `~/.kube/config`, then the in-cluster service account —
 * but reading the `env` it is given (`signalbox start` may pass one that is not `process.env`).
 */
export function findKubeConfig(env: NodeJS.ProcessEnv): KubeConfigSource | undefined {
  if (env.KUBECONFIG?.split(delimiter).some(Boolean)) return 'kubeconfig';
  if (env.HOME && existsSync(join(env.HOME, '.kube', 'config'))) return 'home';
  if (env.KUBERNETES_SERVICE_HOST && existsSync(serviceAccountToken)) return 'in-cluster';
  return undefined;
}
