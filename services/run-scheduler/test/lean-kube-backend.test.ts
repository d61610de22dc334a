import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type KubeFake, startKubeFake } from '@signalbox/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyKubeError } from '../src/classify-error.ts';
import { LeanKubeConfig } from '../src/kube/lean-kube-config.ts';
import { kubeBackend } from '../src/kube-backend.ts';
import type { KubeObject, WatchRequest } from '../src/run-backend.ts';
import { type CountingProxy, startCountingProxy } from './counting-proxy.ts';

// The scheduler's own path (LeanKubeConfig + kubeBackend: no client-node API classes) against the
// API fake, through a TCP-counting pass-through: every new client connection is counted.
let fake: KubeFake;
let proxy: CountingProxy;
let kubeconfig: string;

beforeAll(async () => {
  fake = await startKubeFake({ namespaces: ['ci'] });
  // Idle connections are closed by the client only (the test below watches them close).
  proxy = await startCountingProxy(fake.url, { keepAliveTimeoutMs: 60_000 });
  kubeconfig = join(mkdtempSync(join(tmpdir(), 'sb-lean-backend-')), 'config');
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      clusters: [
        {
          name: 'fake',
          cluster: {
            server: proxy.url,
            'insecure-skip-tls-verify': true,
          },
        },
      ],
      users: [{ name: 'fake', user: { token: fake.token } }],
      contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'fake', namespace: 'ci' } }],
      'current-context': 'fake',
    }),
  );
});
afterAll(async () => {
  await proxy.close();
  await fake.close();
});

function backend(options: { refreshMs?: number; requestTimeoutMs?: number } = {}, file = kubeconfig) {
  const kc = new LeanKubeConfig(options);
  kc.loadFromFile(file);
  return kubeBackend(kc);
}

const configMap = (name: string, namespace = 'ci'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace },
});

const watchConfigMaps = (inactivityTimeoutMs = 60_000): WatchRequest => ({
  apiVersion: 'v1',
  resource: 'configmaps',
  namespace: 'ci',
  labelSelector: '',
  resourceVersion: undefined,
  timeoutSeconds: 300,
  inactivityTimeoutMs,
});

async function until(predicate: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const settled = (promise: Promise<unknown>) =>
  Promise.race([promise.then(() => true), new Promise((r) => setTimeout(() => r(false), 50))]);

describe('kubeBackend on a LeanKubeConfig', () => {
  it('creates, lists and patches any kind found through discovery, on shared connections', async () => {
    const runs = backend();
    const before = proxy.connections();
    for (let i = 0; i < 20; i++)
      expect(await runs.create(configMap(`shared-${i}`))).toEqual({ created: true });
    // Discovery's answer may still be draining when the first create goes out: two at most.
    expect(proxy.connections() - before).toBeLessThanOrEqual(2);
    expect(await runs.create(configMap('shared-0'))).toEqual({ created: false });
    await runs.mergePatch(configMap('shared-1'), { metadata: { labels: { x: 'y' } }, data: { k: 'v' } });
    const list = await runs.list('v1', 'ConfigMap', 'ci', 'x!=z');
    expect(list.items.find((o) => o.metadata.name === 'shared-1')).toMatchObject({ data: { k: 'v' } });
    expect(list.resourceVersion).toBe(fake.resourceVersion);
    const unknown = await runs
      .create({ apiVersion: 'nope.dev/v1', kind: 'Thing', metadata: { name: 'a', namespace: 'ci' } })
      .catch((e: unknown) => e);
    expect(classifyKubeError(unknown)).toMatchObject({
      permanent: true,
      status: 404,
      message: expect.stringMatching(/^nope\.dev\/v1\/Thing is not served by the API/),
    });
  });

  it('aborts an API request after requestTimeoutMs (a transient TimeoutError), but not a watch', async () => {
    const runs = backend({ requestTimeoutMs: 150 });
    await runs.list('v1', 'ConfigMap', 'ci', ''); // discovery, before the slow route
    const slow = fake.faults.inject({
      method: 'POST',
      pathPattern: /configmaps/,
      latencyMs: 1_000,
      times: 1,
    });
    const err = await runs.create(configMap('slow')).catch((e: unknown) => e);
    slow.remove();
    expect(classifyKubeError(err)).toMatchObject({
      permanent: false,
      message: expect.stringMatching(/^TimeoutError/),
    });

    const events: string[] = [];
    const watching = await runs.watch(watchConfigMaps(), (type, obj) =>
      events.push(`${type} ${obj.metadata.name}`),
    );
    await new Promise((r) => setTimeout(r, 400)); // well past the request timeout
    await runs.create(configMap('after-wait'));
    await until(() => events.includes('ADDED after-wait'), 'the event');
    expect(await settled(watching.ended)).toBe(false); // still open
    watching.abort();
    expect(await watching.ended).toMatchObject({ name: 'AbortError' });
  });

  it('opens new connections after refreshMs; a watch on the old ones keeps running, and they close when it ends', async () => {
    const existing = new Set(proxy.open);
    const runs = backend({ refreshMs: 300, requestTimeoutMs: 1_000 });
    const events: string[] = [];
    const watching = await runs.watch(watchConfigMaps(), (type, obj) =>
      events.push(`${type} ${obj.metadata.name}`),
    );
    // On a second connection (the watch holds the first), left idle in the pool.
    await runs.create(configMap('window-a'));
    await new Promise((r) => setTimeout(r, 400));
    const windowA = [...proxy.open].filter((socket) => !existing.has(socket));
    const before = proxy.connections();
    await runs.create(configMap('window-b'));
    expect(proxy.connections() - before).toBeGreaterThanOrEqual(1); // the new window's connection
    await until(() => events.includes('ADDED window-b'), 'the event on the old window');
    // Longer than any API request on the old window may last: the watch still holds it open.
    await new Promise((r) => setTimeout(r, 1_100));
    await runs.create(configMap('window-c'));
    await until(() => events.includes('ADDED window-c'), 'the event, later');
    expect(await settled(watching.ended)).toBe(false);
    expect(windowA.length).toBeGreaterThanOrEqual(2);
    expect(windowA.every((socket) => proxy.open.has(socket))).toBe(true);
    watching.abort();
    await watching.ended;
    await until(
      () => windowA.every((socket) => !proxy.open.has(socket)),
      "the old window's connections to close",
    );
  }, 15_000);

  it("ends a watch as client-node's Watch does: refused with its status, quiet with a TimeoutError, closed by the server with nothing, expired with an ERROR event", async () => {
    const runs = backend();
    const refused = fake.faults.inject({ method: 'GET', pathPattern: /watch=true/, status: 403, times: 1 });
    const forbidden = await (await runs.watch(watchConfigMaps(), () => {})).ended;
    refused.remove();
    expect(forbidden).toMatchObject({ statusCode: 403, message: 'Forbidden' });
    expect(classifyKubeError(forbidden)).toMatchObject({ permanent: true, status: 403 });

    const quiet = await (await runs.watch(watchConfigMaps(200), () => {})).ended;
    expect(quiet).toMatchObject({ name: 'TimeoutError' });

    const closing = await runs.watch(watchConfigMaps(), () => {});
    fake.closeWatches();
    expect(await closing.ended).toBeNull();

    const errors: unknown[] = [];
    const expiring = await runs.watch(watchConfigMaps(), (type, obj) => {
      if (type === 'ERROR') errors.push(obj.code);
    });
    fake.expireWatches();
    await expiring.ended;
    expect(errors).toEqual([410]);
  });

  it('reaches a cluster behind a proxy-url through client-node itself', async () => {
    // A forward proxy, as undici's ProxyAgent uses one for an http:// server (absolute-form requests).
    const forwarded: string[] = [];
    const forward = createServer((req, res) => {
      forwarded.push(`${req.method} ${req.url}`);
      const upstream = request(req.url ?? '', { method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => forward.listen(0, '127.0.0.1', resolve));
    try {
      const proxied = join(mkdtempSync(join(tmpdir(), 'sb-proxied-')), 'config');
      const config = JSON.parse(readFileSync(kubeconfig, 'utf8'));
      config.clusters[0].cluster['proxy-url'] = `http://127.0.0.1:${(forward.address() as AddressInfo).port}`;
      writeFileSync(proxied, JSON.stringify(config));
      const runs = backend({}, proxied);
      expect(await runs.create(configMap('proxied'))).toEqual({ created: true });
      const list = await runs.list('v1', 'ConfigMap', 'ci', '');
      expect(list.items.map((o) => o.metadata.name)).toContain('proxied');
      expect(forwarded).toContain(
        `POST ${config.clusters[0].cluster.server}/api/v1/namespaces/ci/configmaps`,
      );
    } finally {
      forward.closeAllConnections();
      await new Promise((resolve) => forward.close(resolve));
    }
  });
});
