import { type KubernetesObject, makeInformer, Watch } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import type { KubeFakeOptions } from '../../src/kube/start-kube-fake.ts';
import { type FakeWithClients, pipelineRun, runs, startWithClients, until } from './kube-test-helpers.ts';

const path = '/apis/tekton.dev/v1/namespaces/ci/pipelineruns';
const running = { conditions: [{ type: 'Succeeded', status: 'Unknown', reason: 'Running' }] };

interface Seen {
  readonly type: string;
  readonly name: string;
  readonly rv: string;
  readonly object: Record<string, unknown>;
}

let k: FakeWithClients | undefined;
afterEach(async () => {
  await k?.fake.close();
  k = undefined;
});

async function start(options: KubeFakeOptions = {}): Promise<FakeWithClients> {
  k = await startWithClients({ namespaces: ['ci'], ...options });
  return k;
}

/** Opens a watch with the real client; `done` resolves with what the client's done callback got. */
async function watch(
  c: FakeWithClients,
  query: Record<string, string | number | boolean | undefined>,
  at = path,
) {
  const seen: Seen[] = [];
  let resolveDone: (err: unknown) => void = () => {};
  const done = new Promise<unknown>((r) => {
    resolveDone = r;
  });
  const controller = await new Watch(c.kc).watch(
    at,
    query,
    (type, object: KubernetesObject & Record<string, unknown>) =>
      seen.push({
        type,
        name: object.metadata?.name ?? '',
        rv: object.metadata?.resourceVersion ?? '',
        object,
      }),
    resolveDone,
  );
  return { seen, done, controller, types: () => seen.map((s) => `${s.type}:${s.name}`) };
}

const create = (c: FakeWithClients, name: string, labels: Record<string, string> = {}) =>
  c.custom.createNamespacedCustomObject({ ...runs('ci'), body: pipelineRun({ name, labels }) });

describe('watch', () => {
  it('streams ADDED, MODIFIED and DELETED from the list’s resourceVersion, each with its new resourceVersion', async () => {
    const c = await start();
    await create(c, 'before');
    const list = await c.custom.listNamespacedCustomObject(runs('ci'));
    const w = await watch(c, { resourceVersion: list.metadata.resourceVersion });
    await create(c, 'a');
    const modified = c.fake.setStatus('ci', 'pipelineruns', 'a', running);
    await c.custom.deleteNamespacedCustomObject({ ...runs('ci'), name: 'a' });
    await until(() => w.seen.length === 3, 'three events');
    w.controller.abort();
    expect(w.types()).toEqual(['ADDED:a', 'MODIFIED:a', 'DELETED:a']);
    expect(w.seen[1]?.rv).toBe(modified.metadata.resourceVersion);
    expect(w.seen[1]?.object.status).toEqual(running);
    expect(Number(w.seen[2]?.rv)).toBe(Number(c.fake.resourceVersion));
  });

  it('starts with a synthetic ADDED per existing object when no resourceVersion is given', async () => {
    const c = await start();
    await create(c, 'one');
    await create(c, 'two');
    const w = await watch(c, {});
    await until(() => w.seen.length === 2, 'initial events');
    await create(c, 'three');
    await until(() => w.seen.length === 3, 'live event');
    w.controller.abort();
    expect(w.types()).toEqual(['ADDED:one', 'ADDED:two', 'ADDED:three']);
  });

  it('resumes from a resourceVersion, replaying only what came after it', async () => {
    const c = await start();
    const a = await create(c, 'a');
    await create(c, 'b');
    c.fake.setStatus('ci', 'pipelineruns', 'a', running);
    const w = await watch(c, { resourceVersion: a.metadata.resourceVersion });
    await until(() => w.seen.length === 2, 'replay');
    w.controller.abort();
    expect(w.types()).toEqual(['ADDED:b', 'MODIFIED:a']);
  });

  it('sends BOOKMARKs carrying the current resourceVersion only when allowed', async () => {
    const c = await start({ bookmarkIntervalMs: 100 });
    const withBookmarks = await watch(c, {
      allowWatchBookmarks: true,
      resourceVersion: c.fake.resourceVersion,
    });
    const without = await watch(c, { resourceVersion: c.fake.resourceVersion });
    await create(c, 'x');
    await until(
      () => withBookmarks.seen.filter((s) => s.type === 'BOOKMARK').length >= 2,
      'periodic bookmarks',
    );
    c.fake.sendBookmarks();
    const last = () => withBookmarks.seen.at(-1);
    await until(() => last()?.type === 'BOOKMARK' && last()?.rv === c.fake.resourceVersion, 'bookmark now');
    expect(last()?.object).toEqual({
      kind: 'PipelineRun',
      apiVersion: 'tekton.dev/v1',
      metadata: { resourceVersion: c.fake.resourceVersion },
    });
    withBookmarks.controller.abort();
    without.controller.abort();
    expect(without.types()).toEqual(['ADDED:x']);
  });

  it('ends the stream after timeoutSeconds, with a bookmark 2 s before the deadline', async () => {
    const c = await start();
    const startedAt = Date.now();
    const w = await watch(c, {
      timeoutSeconds: 3,
      allowWatchBookmarks: true,
      resourceVersion: c.fake.resourceVersion,
    });
    expect(await w.done).toBeNull();
    const elapsed = Date.now() - startedAt;
    expect(elapsed).toBeGreaterThanOrEqual(2900);
    expect(elapsed).toBeLessThan(4500);
    expect(w.types()).toEqual(['BOOKMARK:']);
  });

  it('gives a too-old resourceVersion one ERROR event with a 410 Expired Status, then ends', async () => {
    const c = await start({ historyLimit: 4 });
    const first = await create(c, 'first');
    for (let i = 0; i < 10; i++) await create(c, `n${i}`);
    const w = await watch(c, { resourceVersion: first.metadata.resourceVersion });
    expect(await w.done).toBeNull();
    expect(w.seen).toHaveLength(1);
    expect(w.seen[0]?.type).toBe('ERROR');
    expect(w.seen[0]?.object).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: expect.stringMatching(
        new RegExp(`^too old resource version: ${first.metadata.resourceVersion} \\(\\d+\\)$`),
      ),
      reason: 'Expired',
      code: 410,
    });
  });

  it('expireWatches(): open watches get the 410 ERROR event, older resourceVersions stay expired, the current one works', async () => {
    const c = await start();
    const a = await create(c, 'a');
    await create(c, 'b');
    const open = await watch(c, { resourceVersion: a.metadata.resourceVersion });
    await until(() => open.seen.length === 1, 'replayed b');
    c.fake.expireWatches();
    expect(await open.done).toBeNull();
    expect(open.seen.map((s) => [s.type, s.object.code ?? s.name])).toEqual([
      ['ADDED', 'b'],
      ['ERROR', 410],
    ]);
    const old = await watch(c, { resourceVersion: a.metadata.resourceVersion });
    expect(await old.done).toBeNull();
    expect(old.seen.map((s) => s.object.reason)).toEqual(['Expired']);
    const fromNow = await watch(c, { resourceVersion: c.fake.resourceVersion });
    await create(c, 'c');
    await until(() => fromNow.seen.length === 1, 'event after expiry');
    fromNow.controller.abort();
    expect(fromNow.types()).toEqual(['ADDED:c']);
  });

  it('answers a resourceVersion from the future with 504 before streaming', async () => {
    const c = await start();
    const w = await watch(c, { resourceVersion: String(Number(c.fake.resourceVersion) + 10) });
    expect((await w.done) as { statusCode?: number }).toMatchObject({ statusCode: 504 });
  });

  it('turns label changes into ADDED/DELETED for a label-selected watch, and filters by field selector', async () => {
    const c = await start();
    const selected = await watch(c, {
      labelSelector: 'signalbox.dev/group=g1',
      resourceVersion: c.fake.resourceVersion,
    });
    const byName = await watch(c, {
      fieldSelector: 'metadata.name=y',
      resourceVersion: c.fake.resourceVersion,
    });
    await create(c, 'x');
    await create(c, 'y', { 'signalbox.dev/group': 'g1' });
    await c.custom.patchNamespacedCustomObject({
      ...runs('ci'),
      name: 'x',
      body: [{ op: 'add', path: '/metadata/labels', value: { 'signalbox.dev/group': 'g1' } }],
    });
    await c.custom.patchNamespacedCustomObject({
      ...runs('ci'),
      name: 'y',
      body: [{ op: 'remove', path: '/metadata/labels/signalbox.dev~1group' }],
    });
    await until(() => selected.seen.length === 3 && byName.seen.length === 2, 'selected events');
    selected.controller.abort();
    byName.controller.abort();
    expect(selected.types()).toEqual(['ADDED:y', 'ADDED:x', 'DELETED:y']);
    expect(byName.types()).toEqual(['ADDED:y', 'MODIFIED:y']);
  });

  it('ends with sendInitialEvents’ k8s.io/initial-events-end bookmark after the initial state', async () => {
    const c = await start();
    await create(c, 'a');
    const w = await watch(c, {
      sendInitialEvents: true,
      resourceVersionMatch: 'NotOlderThan',
      allowWatchBookmarks: true,
    });
    await until(() => w.seen.length === 2, 'initial state');
    w.controller.abort();
    expect(w.types()).toEqual(['ADDED:a', 'BOOKMARK:']);
    expect((w.seen[1]?.object.metadata as { annotations?: unknown } | undefined)?.annotations).toEqual({
      'k8s.io/initial-events-end': 'true',
    });
  });

  it('closeWatches() ends streams cleanly (done(null)), as the apiserver does periodically', async () => {
    const c = await start();
    const w = await watch(c, {});
    c.fake.closeWatches();
    expect(await w.done).toBeNull();
  });

  it('keeps an informer (makeInformer) in sync across a 410: it relists and sees the change', async () => {
    const c = await start();
    await create(c, 'a');
    const listFn = () => c.custom.listNamespacedCustomObject(runs('ci'));
    const informer = makeInformer(c.kc, path, listFn as never);
    const updates: string[] = [];
    informer.on('add', (o) => updates.push(`add:${o.metadata?.name}`));
    informer.on('update', (o) => updates.push(`update:${o.metadata?.name}`));
    informer.on('error', () => {});
    await informer.start();
    await until(() => updates.length === 1, 'initial add');
    const lists = () =>
      c.fake.requestLog.filter(
        (r) => r.method === 'GET' && r.path === '/apis/tekton.dev/v1/namespaces/ci/pipelineruns',
      ).length;
    expect(lists()).toBe(1);
    c.fake.expireWatches();
    c.fake.setStatus('ci', 'pipelineruns', 'a', running);
    await until(() => updates.includes('update:a'), 'update after relist');
    expect(lists()).toBe(2);
    await create(c, 'b');
    await until(() => updates.includes('add:b'), 'add after relist');
    await informer.stop();
  });
});
