import { delimiter, join } from 'node:path';
import type { KubeConfigSource } from './find-kube-config.ts';
import { LeanKubeConfig } from './kube/lean-kube-config.ts';

/**
 * Loads the kubeconfig `findKubeConfig` found (in-cluster re-reads its projected token) as
 * client-node's `loadFromDefault` would, with connections shared between requests and a request
 * timeout (`LeanKubeConfig`: client-node's config reading without its generated API).
 */
export function loadKubeConfig(
  env: NodeJS.ProcessEnv,
  source: KubeConfigSource,
  options: { requestTimeoutMs?: number } = {},
): LeanKubeConfig {
  const kc = new LeanKubeConfig(options);
  if (source === 'kubeconfig') {
    const [first, ...rest] = (env.KUBECONFIG ?? '').split(delimiter).filter(Boolean);
    kc.loadFromFile(first ?? '');
    for (const file of rest) {
      const more = new LeanKubeConfig();
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
