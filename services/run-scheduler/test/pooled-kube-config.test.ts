import { KubeConfig, KubernetesObjectApi, Watch } from '@kubernetes/client-node';
import { type KubeFake, startKubeFake } from '@signalbox/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyKubeError } from '../src/classify-error.ts';
import { PooledKubeConfig } from '../src/pooled-kube-config.ts';
import { type CountingProxy, startCountingProxy } from './counting-proxy.ts';

// A TCP-counting pass-through in front of the API fake: every new client connection is counted.
let fake: KubeFake;
let proxy: CountingProxy;

beforeAll(async () => {
  fake = await startKubeFake({ namespaces: ['ci'] });
  proxy = await startCountingProxy(fake.url);
});
afterAll(async () => {
  await proxy.close();
  await fake.close();
});

/** A kubeconfig like the fake's (TLS verification skipped, as for any TLS setting) via the proxy. */
function load(kc: KubeConfig): KubeConfig {
  const original = new KubeConfig();
  original.loadFromFile(fake.kubeconfigPath);
  const cluster = original.getCurrentCluster();
  if (!cluster) throw new Error('the fake wrote no cluster');
  kc.loadFromOptions({
    clusters: [{ ...cluster, server: proxy.url }],
    users: original.users,
    contexts: original.contexts,
    currentContext: original.currentContext,
  });
  return kc;
}

async function createConfigMaps(kc: KubeConfig, prefix: string, count: number): Promise<number> {
  const api = KubernetesObjectApi.makeApiClient(kc);
  const before = proxy.connections();
  for (let i = 0; i < count; i++)
    await api.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `${prefix}-${i}`, namespace: 'ci' },
    });
  return proxy.connections() - before;
}

describe('PooledKubeConfig', () => {
  it('reuses connections where client-node 2.0 opens one per request', async () => {
    expect(await createConfigMaps(load(new KubeConfig()), 'stock', 30)).toBe(31); // + discovery
    // Discovery's answer may still be draining when the first create goes out: two at most.
    expect(await createConfigMaps(load(new PooledKubeConfig()), 'pooled', 30)).toBeLessThanOrEqual(2);
  });

  it('replaces its connections after refreshMs, so rotated TLS files are read again', async () => {
    const kc = load(new PooledKubeConfig({ refreshMs: 1_000 }));
    expect(await createConfigMaps(kc, 'refresh-a', 10)).toBeLessThanOrEqual(2);
    await new Promise((r) => setTimeout(r, 1_100));
    const afterRefresh = await createConfigMaps(kc, 'refresh-b', 10);
    expect(afterRefresh).toBeGreaterThanOrEqual(1);
    expect(afterRefresh).toBeLessThanOrEqual(2);
  });

  it('aborts an API request after requestTimeoutMs (a transient TimeoutError), but not a watch', async () => {
    const kc = new PooledKubeConfig({ requestTimeoutMs: 150 });
    kc.loadFromFile(fake.kubeconfigPath);
    const api = KubernetesObjectApi.makeApiClient(kc);
    await api.list('v1', 'ConfigMap', 'ci'); // discovery, before the slow route
    fake.faults.inject({ method: 'POST', pathPattern: /configmaps/, latencyMs: 1_000, times: 1 });
    const started = Date.now();
    const err = await api
      .create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'slow', namespace: 'ci' } })
      .catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(900);
    expect(classifyKubeError(err)).toMatchObject({
      permanent: false,
      message: expect.stringMatching(/^TimeoutError/),
    });

    const events: string[] = [];
    const watch = await new Watch(kc).watch(
      '/api/v1/namespaces/ci/configmaps',
      {},
      (type, obj: { metadata?: { name?: string } }) => events.push(`${type} ${obj.metadata?.name}`),
      () => events.push('done'),
    );
    await new Promise((r) => setTimeout(r, 400)); // well past the request timeout
    await api.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'after-wait', namespace: 'ci' },
    });
    const deadline = Date.now() + 2_000;
    while (!events.includes('ADDED after-wait') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    expect(events).toContain('ADDED after-wait');
    expect(events).not.toContain('done'); // still open
    watch.abort();
  });
});
