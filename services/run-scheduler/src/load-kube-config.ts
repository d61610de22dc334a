import { delimiter, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { KubeConfigSource } from './find-kube-config.ts';
import { PooledKubeConfig } from './pooled-kube-config.ts';

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
