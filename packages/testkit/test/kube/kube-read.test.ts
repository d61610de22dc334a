import type { V1ConfigMap } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiError,
  type FakeWithClients,
  pipelineRun,
  rawGet,
  runs,
  startWithClients,
  statusOf,
} from './kube-test-helpers.ts';

let k: FakeWithClients;
const names = (list: { items: { metadata: { name: string } }[] }) => list.items.map((i) => i.metadata.name);

beforeAll(async () => {
  k = await startWithClients({ namespaces: ['ci', 'qa'] });
  const labelled: [string, Record<string, string>][] = [
    ['r-main', { app: 'api', branch: 'main', tier: '1' }],
    ['r-dev', { app: 'api', branch: 'dev', tier: '3' }],
    ['r-web', { app: 'web', branch: 'main' }],
    ['r-bare', {}],
  ];
  for (const [name, labels] of labelled) {
    await k.custom.createNamespacedCustomObject({ ...runs('ci'), body: pipelineRun({ name, labels }) });
  }
  await k.custom.createNamespacedCustomObject({
    ...runs('qa'),
    body: pipelineRun({ name: 'r-qa', labels: { app: 'api' } }),
  });
});
afterAll(() => k.fake.close());

describe('discovery', () => {
  it('serves /api, /apis, group and resource lists that KubernetesObjectApi resolves kinds with', async () => {
    expect((await rawGet(k.fake, '/api')).body).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    expect((await rawGet(k.fake, '/apis')).body).toEqual({
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: [
        {
          name: 'tekton.dev',
          versions: [{ groupVersion: 'tekton.dev/v1', version: 'v1' }],
          preferredVersion: { groupVersion: 'tekton.dev/v1', version: 'v1' },
        },
      ],
    });
    const tekton = (await rawGet(k.fake, '/apis/tekton.dev/v1')).body as {
      resources: { name: string; kind: string; namespaced: boolean }[];
    };
    expect(tekton.resources.map((r) => [r.name, r.kind, r.namespaced])).toEqual([
      ['pipelineruns', 'PipelineRun', true],
      ['pipelineruns/status', 'PipelineRun', true],
      ['taskruns', 'TaskRun', true],
      ['taskruns/status', 'TaskRun', true],
    ]);
    expect((await rawGet(k.fake, '/apis/argoproj.io/v1alpha1')).status).toBe(404);
    expect((await rawGet(k.fake, '/version')).body).toMatchObject({ major: '1', gitVersion: 'v1.34.1' });

    const read = await k.objects.read({
      apiVersion: 'tekton.dev/v1',
      kind: 'PipelineRun',
      metadata: { name: 'r-main', namespace: 'ci' },
    });
    expect(read.metadata?.labels?.branch).toBe('main');
    const configMap: V1ConfigMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'via-discovery', namespace: 'qa' },
      data: { k: 'v' },
    };
    const cm = await k.objects.create(configMap);
    expect(cm.metadata?.namespace).toBe('qa');
  });
});

describe('get', () => {
  it('returns the stored object, and 404 NotFound with the resource’s Status otherwise', async () => {
    const run = await k.custom.getNamespacedCustomObject({ ...runs('ci'), name: 'r-dev' });
    expect(run.metadata.labels).toEqual({ app: 'api', branch: 'dev', tier: '3' });
    const err = await apiError(k.custom.getNamespacedCustomObject({ ...runs('ci'), name: 'absent' }));
    expect(err.code).toBe(404);
    expect(statusOf(err)).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'pipelineruns.tekton.dev "absent" not found',
      reason: 'NotFound',
      details: { name: 'absent', group: 'tekton.dev', kind: 'pipelineruns' },
      code: 404,
    });
    const cm = await apiError(k.core.readNamespacedConfigMap({ name: 'absent', namespace: 'ci' }));
    expect(statusOf(cm).message).toBe('configmaps "absent" not found');
    expect(statusOf(cm).details).toEqual({ name: 'absent', kind: 'configmaps' });
    // A missing namespace is not an error for reads: the object is simply not there.
    const elsewhere = await apiError(
      k.custom.getNamespacedCustomObject({ ...runs('nowhere'), name: 'r-dev' }),
    );
    expect(statusOf(elsewhere).message).toBe('pipelineruns.tekton.dev "r-dev" not found');
  });
});

describe('list', () => {
  const select = async (labelSelector: string) =>
    names(await k.custom.listNamespacedCustomObject({ ...runs('ci'), labelSelector }));

  it('filters by every label selector operator, in name order', async () => {
    expect(await select('')).toEqual(['r-bare', 'r-dev', 'r-main', 'r-web']);
    expect(await select('app=api')).toEqual(['r-dev', 'r-main']);
    expect(await select('app==api,branch=main')).toEqual(['r-main']);
    expect(await select('branch!=main')).toEqual(['r-bare', 'r-dev']);
    expect(await select('branch in (dev, main),app notin (web)')).toEqual(['r-dev', 'r-main']);
    expect(await select('app notin (api)')).toEqual(['r-bare', 'r-web']);
    expect(await select('tier')).toEqual(['r-dev', 'r-main']);
    expect(await select('!tier')).toEqual(['r-bare', 'r-web']);
    expect(await select('tier>2')).toEqual(['r-dev']);
    expect(await select('tier<2')).toEqual(['r-main']);
  });

  it('answers a malformed label selector with 400 BadRequest', async () => {
    const bad = await apiError(
      k.custom.listNamespacedCustomObject({ ...runs('ci'), labelSelector: 'app in api' }),
    );
    expect(bad.code).toBe(400);
    expect(statusOf(bad)).toMatchObject({
      reason: 'BadRequest',
      message: "unable to parse requirement: found 'api' expected: '('",
    });
    const value = await apiError(
      k.custom.listNamespacedCustomObject({ ...runs('ci'), labelSelector: 'branch=feature/x' }),
    );
    expect(statusOf(value).message).toMatch(
      /^unable to parse requirement: values\[0\]\[branch\]: Invalid value: "feature\/x": a valid label must be/,
    );
  });

  it('filters by metadata.name / metadata.namespace field selectors and refuses others', async () => {
    const one = await k.custom.listNamespacedCustomObject({
      ...runs('ci'),
      fieldSelector: 'metadata.name=r-web',
    });
    expect(names(one)).toEqual(['r-web']);
    const all = await k.custom.listClusterCustomObject({
      group: 'tekton.dev',
      version: 'v1',
      plural: 'pipelineruns',
      fieldSelector: 'metadata.namespace!=ci',
    });
    expect(names(all)).toEqual(['r-qa']);
    const bad = await apiError(
      k.custom.listNamespacedCustomObject({ ...runs('ci'), fieldSelector: 'spec.status=x' }),
    );
    expect(bad.code).toBe(400);
    expect(statusOf(bad).message).toBe('field label not supported: spec.status');
  });

  it('reports the current resourceVersion and lists across namespaces in etcd key order', async () => {
    const list = await k.custom.listClusterCustomObject({
      group: 'tekton.dev',
      version: 'v1',
      plural: 'pipelineruns',
    });
    expect(list.kind).toBe('PipelineRunList');
    expect(list.apiVersion).toBe('tekton.dev/v1');
    expect(list.metadata.resourceVersion).toBe(k.fake.resourceVersion);
    expect(
      list.items.map(
        (i: { metadata: { namespace: string; name: string } }) =>
          `${i.metadata.namespace}/${i.metadata.name}`,
      ),
    ).toEqual(['ci/r-bare', 'ci/r-dev', 'ci/r-main', 'ci/r-web', 'qa/r-qa']);
    const empty = await k.custom.listNamespacedCustomObject(runs('nowhere'));
    expect(empty.items).toEqual([]);
  });

  it('pages with limit and continue, counting the remaining items', async () => {
    const first = await k.custom.listNamespacedCustomObject({ ...runs('ci'), limit: 3 });
    expect(names(first)).toEqual(['r-bare', 'r-dev', 'r-main']);
    expect(first.metadata.remainingItemCount).toBe(1);
    expect(JSON.parse(Buffer.from(first.metadata.continue, 'base64url').toString())).toEqual({
      v: 'meta.k8s.io/v1',
      rv: Number(first.metadata.resourceVersion),
      start: 'ci/r-main\u0000',
    });
    const rest = await k.custom.listNamespacedCustomObject({
      ...runs('ci'),
      limit: 3,
      _continue: first.metadata.continue,
    });
    expect(names(rest)).toEqual(['r-web']);
    expect(rest.metadata.continue).toBeUndefined();
    expect(rest.metadata.resourceVersion).toBe(first.metadata.resourceVersion);
    const bad = await apiError(k.custom.listNamespacedCustomObject({ ...runs('ci'), _continue: 'bm9wZQ' }));
    expect(bad.code).toBe(400);
  });

  it('honours resourceVersion semantics: a future one is 504, an old Exact read is 410', async () => {
    const current = Number(k.fake.resourceVersion);
    const future = await apiError(
      k.custom.listNamespacedCustomObject({ ...runs('ci'), resourceVersion: String(current + 100) }),
    );
    expect(future.code).toBe(504);
    expect(statusOf(future)).toMatchObject({
      reason: 'Timeout',
      message: `Timeout: Too large resource version: ${current + 100}, current: ${current}`,
    });
    const atLeast = await k.custom.listNamespacedCustomObject({ ...runs('ci'), resourceVersion: '1' });
    expect(atLeast.metadata.resourceVersion).toBe(String(current));
    const exact = await apiError(
      k.custom.listNamespacedCustomObject({
        ...runs('ci'),
        resourceVersion: '1',
        resourceVersionMatch: 'Exact',
      }),
    );
    expect(exact.code).toBe(410);
    expect(statusOf(exact).reason).toBe('Expired');
  });

  it('lists core objects like the apiserver: items without apiVersion/kind', async () => {
    await k.core.createNamespacedConfigMap({
      namespace: 'ci',
      body: { metadata: { name: 'c1', labels: { a: 'b' } } },
    });
    const raw = (await rawGet(k.fake, '/api/v1/namespaces/ci/configmaps?labelSelector=a%3Db')).body as {
      kind: string;
      items: Record<string, unknown>[];
    };
    expect(raw.kind).toBe('ConfigMapList');
    expect(raw.items).toHaveLength(1);
    expect(raw.items[0]?.kind).toBeUndefined();
    const typed = await k.core.listNamespacedConfigMap({ namespace: 'ci', labelSelector: 'a=b' });
    expect(typed.items.map((i) => i.metadata?.name)).toEqual(['c1']);
    const namespaces = await k.core.listNamespace();
    expect(namespaces.items.map((n) => n.metadata?.name)).toEqual(['ci', 'qa']);
  });
});
