import {
  ApiException,
  KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
  Watch,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KubeFake, startKubeFake } from '../src/kube/start-kube-fake.ts';

let fake: KubeFake;
let api: KubernetesObjectApi;
let kc: KubeConfig;
beforeAll(async () => {
  fake = await startKubeFake({ namespaces: ['ci'] });
  kc = new KubeConfig();
  kc.loadFromFile(fake.kubeconfigPath);
  api = KubernetesObjectApi.makeApiClient(kc);
});
afterAll(() => fake.close());

const run = (metadata: Record<string, unknown>): KubernetesObject & { spec: unknown } => ({
  apiVersion: 'tekton.dev/v1',
  kind: 'PipelineRun',
  metadata: { namespace: 'ci', ...metadata },
  spec: { pipelineRef: { name: 'build' } },
});

async function apiError(p: Promise<unknown>): Promise<ApiException<string>> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ApiException);
    return err as ApiException<string>;
  }
  throw new Error('expected an ApiException');
}

describe('the Kubernetes API fake, driven by @kubernetes/client-node', () => {
  it('creates with generateName using the real alphabet and assigns uid and resourceVersion', async () => {
    const created = await api.create(run({ generateName: 'build-' }));
    expect(created.metadata?.name).toMatch(/^build-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(created.metadata?.uid).toBeTruthy();
    expect(Number(created.metadata?.resourceVersion)).toBeGreaterThan(0);
    expect(fake.objects({ group: 'tekton.dev', plural: 'pipelineruns', namespace: 'ci' })).toHaveLength(1);
    expect(fake.createCount('pipelineruns')).toBe(1);
    expect(fake.createCount({ plural: 'taskruns' })).toBe(0);
  });
  it('409 AlreadyExists on a taken name, with a Status body as raw text', async () => {
    await api.create(run({ name: 'fixed' }));
    const err = await apiError(api.create(run({ name: 'fixed' })));
    expect(err.code).toBe(409);
    expect(JSON.parse(err.body)).toMatchObject({
      kind: 'Status',
      reason: 'AlreadyExists',
      message: 'pipelineruns.tekton.dev "fixed" already exists',
    });
  });
  it('422 Invalid with causes for a bad label value; 400 from Tekton’s webhook for a run name over 63', async () => {
    const bad = await apiError(api.create(run({ name: 'x1', labels: { branch: 'feature/x' } })));
    expect(bad.code).toBe(422);
    expect(JSON.parse(bad.body).details.causes[0]).toMatchObject({ field: 'metadata.labels' });
    const long = await apiError(api.create(run({ name: 'a'.repeat(64) })));
    expect(long.code).toBe(400);
    expect(JSON.parse(long.body).message).toMatch(
      /admission webhook "validation.webhook.pipeline.tekton.dev" denied the request/,
    );
  });
  it('404 for a missing namespace', async () => {
    const err = await apiError(
      api.create({ ...run({ name: 'y' }), metadata: { name: 'y', namespace: 'nope' } }),
    );
    expect(err.code).toBe(404);
    expect(JSON.parse(err.body).message).toBe('namespaces "nope" not found');
  });
  it('lists by label selector and merge-patches; strategic merge on a CR is 415', async () => {
    await api.create(run({ name: 'labelled', labels: { group: 'g1' } }));
    const list = await api.list(
      'tekton.dev/v1',
      'PipelineRun',
      'ci',
      undefined,
      undefined,
      undefined,
      undefined,
      'group=g1',
    );
    expect(list.items.map((i) => i.metadata?.name)).toEqual(['labelled']);
    const patched = await api.patch(
      {
        apiVersion: 'tekton.dev/v1',
        kind: 'PipelineRun',
        metadata: { name: 'labelled', namespace: 'ci' },
        spec: { status: 'Cancelled' },
      } as never,
      undefined,
      undefined,
      undefined,
      undefined,
      PatchStrategy.MergePatch,
    );
    expect((patched as { spec: { status: string } }).spec.status).toBe('Cancelled');
    const err = await apiError(
      api.patch(
        {
          apiVersion: 'tekton.dev/v1',
          kind: 'PipelineRun',
          metadata: { name: 'labelled', namespace: 'ci' },
        } as never,
        undefined,
        undefined,
        undefined,
        undefined,
        PatchStrategy.StrategicMergePatch,
      ),
    );
    expect(err.code).toBe(415);
  });
  it('injects a plain-text 429 with Retry-After, then serves normally', async () => {
    fake.faults.inject({
      method: 'POST',
      pathPattern: /pipelineruns/,
      status: 429,
      plainText: true,
      retryAfter: 2,
      times: 1,
    });
    const err = await apiError(api.create(run({ name: 'throttled' })));
    expect(err.code).toBe(429);
    expect(err.body).toMatch(/Too many requests/);
    expect(err.headers['retry-after']).toBe('2');
    await expect(api.create(run({ name: 'throttled' }))).resolves.toBeTruthy();
    fake.faults.clear();
  });
  it('streams watch events from a resourceVersion with bookmarks, and 410 after expiry', async () => {
    const list = await api.list('tekton.dev/v1', 'PipelineRun', 'ci');
    const from = list.metadata?.resourceVersion;
    const seen: string[] = [];
    const watch = new Watch(kc);
    const controller = await watch.watch(
      '/apis/tekton.dev/v1/namespaces/ci/pipelineruns',
      { resourceVersion: from, allowWatchBookmarks: true },
      (type, obj) => seen.push(`${type}:${obj.metadata?.name ?? ''}`),
      () => {},
    );
    await api.create(run({ name: 'watched' }));
    fake.setStatus('ci', 'pipelineruns', 'watched', {
      conditions: [{ type: 'Succeeded', status: 'True', reason: 'Succeeded' }],
    });
    const deadline = Date.now() + 5_000;
    while (seen.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    controller.abort();
    expect(seen).toEqual(['BOOKMARK:', 'ADDED:watched', 'MODIFIED:watched']);

    fake.expireWatches();
    const errors: unknown[] = [];
    const c2 = await watch.watch(
      '/apis/tekton.dev/v1/namespaces/ci/pipelineruns',
      { resourceVersion: from },
      (type, obj) => errors.push([type, obj.code]),
      () => {},
    );
    const until = Date.now() + 5_000;
    while (errors.length < 1 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    c2.abort();
    expect(errors).toEqual([['ERROR', 410]]);
  });
  it('rejects a wrong token with 401', async () => {
    const other = new KubeConfig();
    other.loadFromOptions({
      clusters: [{ name: 'c', server: fake.url, skipTLSVerify: true }],
      users: [{ name: 'u', token: 'wrong' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    const err = await apiError(KubernetesObjectApi.makeApiClient(other).create(run({ name: 'z' })));
    expect(err.code).toBe(401);
  });
});
