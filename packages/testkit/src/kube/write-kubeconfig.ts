import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Writes a kubeconfig for the fake into a fresh temp directory and returns its path: one cluster
 * over plain http (client-node refuses http unless `insecure-skip-tls-verify` is set), a token
 * user, and a context whose namespace is `namespace`.
 */
export function writeKubeconfig(server: string, token: string, namespace: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'sb-kube-')), 'kubeconfig');
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'signalbox-fake', cluster: { server, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'signalbox-fake', user: { token } }],
    contexts: [
      { name: 'signalbox-fake', context: { cluster: 'signalbox-fake', user: 'signalbox-fake', namespace } },
    ],
    'current-context': 'signalbox-fake',
  };
  writeFileSync(path, JSON.stringify(config, null, 2), { mode: 0o600 });
  return path;
}
