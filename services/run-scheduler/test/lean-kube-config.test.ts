import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import type { RequestOptions } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { LeanKubeConfig } from '../src/kube/lean-kube-config.ts';

const dir = mkdtempSync(join(tmpdir(), 'sb-lean-kc-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
file('ca.crt', 'ca from file');
file('client.crt', 'cert from file');
file('client.key', 'key from file');
file('token', 'token-from-file');
const b64 = (text: string) => Buffer.from(text).toString('base64');
const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const idToken = `${base64url({ alg: 'none' })}.${base64url({ exp: 4_102_444_800 })}.signature`;
/** An exec plugin as kubectl runs them: an ExecCredential on stdout. */
const execPlugin = file(
  'plugin.mjs',
  `console.log(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential',
    status: { token: 'token-from-exec:' + process.env.PLUGIN_ARG, clientCertificateData: 'cert from exec',
      clientKeyData: 'key from exec', expirationTimestamp: '2099-01-01T00:00:00Z' } }));`,
);

const main = file(
  'config',
  `apiVersion: v1
kind: Config
clusters:
  - name: tls
    cluster:
      server: https://api.example:6443/
      certificate-authority: ca.crt
      tls-server-name: kubernetes.internal
  - name: data
    cluster: { server: 'https://10.0.0.1', certificate-authority-data: ${b64('ca from data')} }
  - name: plain
    cluster: { server: 'http://127.0.0.1:8080', insecure-skip-tls-verify: true }
  - name: refused
    cluster: { server: 'http://127.0.0.1:8080' }
users:
  - name: certs
    user: { client-certificate: client.crt, client-key: client.key, as: robot }
  - name: certs-data
    user: { client-certificate-data: ${b64('cert from data')}, client-key-data: ${b64('key from data')} }
  - name: static
    user: { token: static-token }
  - name: token-file
    user: { token-file: ${join(dir, 'token')} }
  - name: provider-file
    user: { auth-provider: { name: tokenFile, config: { tokenFile: ${join(dir, 'token')} } } }
  - name: basic
    user: { username: admin, password: secret }
  - name: exec
    user:
      exec:
        apiVersion: client.authentication.k8s.io/v1
        command: ${process.execPath}
        args: [${execPlugin}]
        env: [{ name: PLUGIN_ARG, value: from-env }]
  - name: oidc
    user: { auth-provider: { name: oidc, config: { id-token: ${idToken}, client-id: signalbox } } }
contexts:
  - { name: tls-certs, context: { cluster: tls, user: certs, namespace: ci } }
  - { name: data-certs, context: { cluster: data, user: certs-data } }
  - { name: static, context: { cluster: plain, user: static } }
  - { name: token-file, context: { cluster: plain, user: token-file } }
  - { name: provider-file, context: { cluster: plain, user: provider-file } }
  - { name: basic, context: { cluster: tls, user: basic } }
  - { name: exec, context: { cluster: tls, user: exec } }
  - { name: oidc, context: { cluster: tls, user: oidc } }
  - { name: refused, context: { cluster: refused, user: static } }
current-context: tls-certs
`,
);
mkdirSync(join(dir, 'other'));
file('other/ca.crt', 'other ca');
const other = file(
  'other/config',
  `apiVersion: v1
kind: Config
clusters: [{ name: other, cluster: { server: 'https://other:443', certificate-authority: ca.crt } }]
users: [{ name: other, user: { token: other-token } }]
contexts: [{ name: other, context: { cluster: other, user: other } }]
current-context: other
`,
);

/** What a request to the context's cluster would carry: TLS settings, headers, basic auth. */
async function requestOptions(kc: KubeConfig | LeanKubeConfig, context: string) {
  kc.setCurrentContext(context);
  const opts: RequestOptions = {};
  const error = await kc.applyToHTTPSOptions(opts).then(
    () => undefined,
    (err: Error) => err.message,
  );
  const { ca, cert, key, servername, rejectUnauthorized, headers, auth } = opts;
  const text = (value: unknown) => (value === undefined ? undefined : String(value));
  return {
    error,
    ca: text(ca),
    cert: text(cert),
    key: text(key),
    servername,
    rejectUnauthorized,
    headers,
    auth,
  };
}

describe('LeanKubeConfig', () => {
  it("reads a kubeconfig as client-node's KubeConfig does: entries, TLS settings and every kind of credential", async () => {
    const stock = new KubeConfig();
    stock.loadFromFile(main);
    const lean = new LeanKubeConfig();
    lean.loadFromFile(main);
    expect(lean.getClusters()).toEqual(stock.getClusters());
    expect(lean.getUsers()).toEqual(stock.getUsers());
    expect(lean.getContexts()).toEqual(stock.getContexts());
    expect(lean.getCurrentContext()).toBe(stock.getCurrentContext());
    const seen: Record<string, unknown> = {};
    for (const { name } of stock.getContexts()) {
      const view = await requestOptions(lean, name);
      expect(view, name).toEqual(await requestOptions(stock, name));
      seen[name] = view;
    }
    // The cases are what they claim to be (not two equally empty answers).
    expect(seen).toMatchObject({
      'tls-certs': { ca: 'ca from file', cert: 'cert from file', servername: 'kubernetes.internal' },
      'data-certs': { ca: 'ca from data', key: 'key from data' },
      static: { headers: { Authorization: 'Bearer static-token' }, rejectUnauthorized: false },
      'token-file': { headers: { Authorization: 'Bearer token-from-file' } },
      'provider-file': { headers: { Authorization: 'Bearer token-from-file' } },
      basic: { auth: 'admin:secret' },
      exec: { cert: 'cert from exec', headers: { Authorization: 'Bearer token-from-exec:from-env' } },
      oidc: { headers: { Authorization: `Bearer ${idToken}` } },
      refused: { error: 'HTTP protocol is not allowed when skipTLSVerify is not set or false' },
    });
  });

  it('merges further files (KUBECONFIG a:b) and takes their context, a repeated name being an error', () => {
    const stock = new KubeConfig();
    stock.loadFromFile(main);
    const more = new KubeConfig();
    more.loadFromFile(other);
    stock.mergeConfig(more);
    const lean = new LeanKubeConfig();
    lean.loadFromFile(main);
    const leanMore = new LeanKubeConfig();
    leanMore.loadFromFile(other);
    lean.mergeConfig(leanMore);
    expect(lean.getClusters()).toEqual(stock.getClusters());
    expect(lean.getCurrentContext()).toBe('other');
    expect(lean.getCurrentCluster()).toEqual(stock.getCurrentCluster());
    expect(() => lean.mergeConfig(leanMore)).toThrow('Duplicate cluster: other');
  });
});

describe('LeanKubeConfig in a pod', () => {
  const saved = { host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT };
  afterEach(() => {
    for (const [name, value] of [
      ['KUBERNETES_SERVICE_HOST', saved.host],
      ['KUBERNETES_SERVICE_PORT', saved.port],
    ] as const)
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
  });

  it('uses the service account as client-node does: its CA, its token file, its namespace', async () => {
    const root = mkdtempSync(join(tmpdir(), 'sb-pod-'));
    const account = join(root, 'var/run/secrets/kubernetes.io/serviceaccount');
    mkdirSync(account, { recursive: true });
    writeFileSync(join(account, 'ca.crt'), 'cluster ca');
    writeFileSync(join(account, 'token'), 'projected-token');
    writeFileSync(join(account, 'namespace'), 'signalbox');
    process.env.KUBERNETES_SERVICE_HOST = 'fd00::1';
    process.env.KUBERNETES_SERVICE_PORT = '443';
    const stock = new KubeConfig();
    stock.loadFromCluster(root);
    const lean = new LeanKubeConfig();
    lean.loadFromCluster(root);
    expect(lean.getCurrentCluster()).toEqual(stock.getCurrentCluster());
    expect(lean.getCurrentUser()).toEqual(stock.getCurrentUser());
    expect(lean.getContextObject(lean.getCurrentContext())).toEqual(
      stock.getContextObject(stock.getCurrentContext()),
    );
    const view = await requestOptions(lean, lean.getCurrentContext());
    expect(view).toEqual(await requestOptions(stock, stock.getCurrentContext()));
    expect(view.headers).toEqual({ Authorization: 'Bearer projected-token' });
  });
});
