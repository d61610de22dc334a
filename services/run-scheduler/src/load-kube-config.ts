import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { PooledKubeConfig } from './pooled-kube-config.ts';

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

/**
 * Loads the KubeConfig `findKubeConfig` found (in-cluster re-reads its projected token), with
 * connections shared between requests (`PooledKubeConfig`).
 */
export function loadKubeConfig(
  env: NodeJS.ProcessEnv,
  source: KubeConfigSource,
  options: { requestTimeoutMs?: number } = {},
): KubeConfig {
  const kc = new PooledKubeConfig(options);
  if (source === 'kubeconfig') {
    const [first, ...rest] = (env.KUBECONFIG ?? '').split(delimiter).filter(Boolean);
    kc.loadFromFile(first ?? '');
    for (const file of rest) {
      const more = new KubeConfig();
      more.loadFromFile(file);
      kc.mergeConfig(more);
    }
  } else if (source === 'home') {
    kc.loadFromFile(join(env.HOME ?? '', '.kube', 'config'));
  } else {
    kc.loadFromCluster();
  }
  return kc;
}
