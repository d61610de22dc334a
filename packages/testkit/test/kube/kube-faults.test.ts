import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  apiError,
  type FakeWithClients,
  pipelineRun,
  runs,
  startWithClients,
  statusOf,
} from './kube-test-helpers.ts';

let k: FakeWithClients;
let seq = 0;
beforeAll(async () => {
  k = await startWithClients({ namespaces: ['ci', 'ra'] });
});
afterEach(() => k.fake.faults.clear());
afterAll(() => k.fake.close());

const create = (namespace = 'ci') =>
  k.custom.createNamespacedCustomObject({ ...runs(namespace), body: pipelineRun({ name: `f-${++seq}` }) });

describe('fault injection', () => {
  it('answers with a plain-text 429 and Retry-After like the apiserver’s overload protection', async () => {
    const rule = k.fake.faults.inject({
      method: 'POST',
      pathPattern: /\/namespaces\/ra\//,
      status: 429,
      plainText: true,
      retryAfter: 1,
      times: 1,
    });
    await create('ci');
    const err = await apiError(create('ra'));
    expect(err.code).toBe(429);
    expect(err.body).toBe('Too many requests, please try again later.\n');
    expect(() => JSON.parse(err.body)).toThrow();
    expect(err.headers['retry-after']).toBe('1');
    expect(err.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(err.headers['x-content-type-options']).toBe('nosniff');
    expect(rule.hits).toBe(1);
    await expect(create('ra')).resolves.toMatchObject({ kind: 'PipelineRun' });
    expect(rule.hits).toBe(1);
  });

  it('answers with a Status body whose reason and message fit the code and the route', async () => {
    k.fake.faults.inject({ method: 'POST', pathPattern: /pipelineruns/, status: 403, times: 1 });
    const forbidden = await apiError(create());
    expect(statusOf(forbidden)).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        'pipelineruns.tekton.dev is forbidden: User "system:serviceaccount:default:signalbox" cannot create resource "pipelineruns" in API group "tekton.dev" in the namespace "ci"',
      reason: 'Forbidden',
      details: { group: 'tekton.dev', kind: 'pipelineruns' },
      code: 403,
    });
    for (const [status, reason] of [
      [500, 'InternalError'],
      [503, 'ServiceUnavailable'],
      [504, 'Timeout'],
      [429, 'TooManyRequests'],
    ] as const) {
      k.fake.faults.inject({ method: 'POST', status, retryAfter: 2, times: 1 });
      const err = await apiError(create());
      expect(err.code).toBe(status);
      expect(statusOf(err)).toMatchObject({ reason, code: status, details: { retryAfterSeconds: 2 } });
      expect(err.headers['retry-after']).toBe('2');
    }
    k.fake.faults.inject({ method: 'POST', status: 404, times: 1 });
    expect(statusOf(await apiError(create())).message).toBe('namespaces "ci" not found');
    k.fake.faults.inject({
      method: 'POST',
      status: 400,
      message: 'admission webhook "x" denied the request',
      times: 1,
    });
    expect(statusOf(await apiError(create()))).toMatchObject({
      reason: 'BadRequest',
      message: 'admission webhook "x" denied the request',
    });
  });

  it('matches pathPattern against the path alone or with its query string', async () => {
    const anchored = k.fake.faults.inject({
      method: 'GET',
      pathPattern: /\/pipelineruns$/,
      status: 503,
      times: 1,
    });
    const byQuery = k.fake.faults.inject({
      method: 'GET',
      pathPattern: /labelSelector=team%3Dqa/,
      status: 500,
      times: 1,
    });
    const list = (labelSelector: string) =>
      k.custom.listNamespacedCustomObject({ ...runs('ci'), labelSelector }).then(
        () => 200,
        (e: { code: number }) => e.code,
      );
    expect(await list('team=ci')).toBe(503);
    expect(await list('team=qa')).toBe(500);
    expect(await list('team=qa')).toBe(200);
    expect([anchored.hits, byQuery.hits]).toEqual([1, 1]);
  });

  it('sends a given body as is: a string as text, anything else as JSON', async () => {
    k.fake.faults.inject({ method: 'POST', status: 502, body: '<html>bad gateway</html>', times: 1 });
    const html = await apiError(create());
    expect([html.code, html.body]).toEqual([502, '<html>bad gateway</html>']);
    k.fake.faults.inject({
      method: 'POST',
      status: 500,
      body: { kind: 'Status', message: 'custom' },
      times: 1,
    });
    expect(JSON.parse((await apiError(create())).body)).toEqual({ kind: 'Status', message: 'custom' });
  });

  it('drops the connection: the client sees a network error, nothing is created, the log says 0', async () => {
    const before = k.fake.createCount();
    k.fake.faults.inject({ method: 'POST', dropConnection: true, times: 1 });
    const err = await create().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect(k.fake.createCount()).toBe(before);
    expect(k.fake.requestLog.at(-1)).toMatchObject({ method: 'POST', status: 0 });
  });

  it('delays by latencyMs and then serves the request (a client that gave up still finds it created)', async () => {
    k.fake.faults.inject({ method: 'POST', latencyMs: 300, times: 1 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const name = `slow-${++seq}`;
    const aborted = await fetch(`${k.fake.url}/apis/tekton.dev/v1/namespaces/ci/pipelineruns`, {
      method: 'POST',
      headers: { authorization: `Bearer ${k.fake.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(pipelineRun({ name })),
      signal: controller.signal,
    }).then(
      () => 'answered',
      (e: Error) => e.name,
    );
    expect(aborted).toBe('AbortError');
    await new Promise((r) => setTimeout(r, 400));
    expect(k.fake.objects({ name })).toHaveLength(1);
    const entry = k.fake.requestLog.find(
      (r) => r.method === 'POST' && r.status === 201 && r.durationMs >= 300,
    );
    expect(entry).toBeDefined();
  });

  it('fires with a probability, and a latency rule composes with a later status rule', async () => {
    const seeded = await startWithClients({
      namespaces: ['ci'],
      // Alternates: 0.1, 0.9, 0.1, … — fires on every other request at probability 0.5.
      random: (() => {
        let i = 0;
        return () => (i++ % 2 === 0 ? 0.1 : 0.9);
      })(),
    });
    try {
      const rule = seeded.fake.faults.inject({ method: 'GET', status: 503, probability: 0.5 });
      const outcomes: number[] = [];
      for (let i = 0; i < 6; i++) {
        outcomes.push(
          await seeded.custom.listNamespacedCustomObject(runs('ci')).then(
            () => 200,
            (e: { code: number }) => e.code,
          ),
        );
      }
      expect(outcomes).toEqual([503, 200, 503, 200, 503, 200]);
      expect(rule.hits).toBe(3);
      rule.remove();
      seeded.fake.faults.inject({ method: 'GET', latencyMs: 150 });
      seeded.fake.faults.inject({ method: 'GET', status: 500 });
      const started = Date.now();
      expect((await apiError(seeded.custom.listNamespacedCustomObject(runs('ci')))).code).toBe(500);
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    } finally {
      await seeded.fake.close();
    }
  });

  it('can break watches: a dropped watch connection reaches the client’s done callback as an error', async () => {
    const { Watch } = await import('@kubernetes/client-node');
    k.fake.faults.inject({ pathPattern: /watch=true/, dropConnection: true, times: 1 });
    const err = await new Promise<unknown>((resolve) => {
      void new Watch(k.kc).watch('/apis/tekton.dev/v1/namespaces/ci/pipelineruns', {}, () => {}, resolve);
    });
    expect(err).toBeInstanceOf(Error);
  });

  it('logs every request with method, path and query, status, arrival time and duration', async () => {
    const from = k.fake.requestLog.length;
    const t0 = Date.now();
    await create();
    await apiError(k.custom.getNamespacedCustomObject({ ...runs('ci'), name: 'missing' }));
    const entries = k.fake.requestLog.slice(from);
    expect(entries.map((e) => [e.method, e.path, e.status])).toEqual([
      ['POST', '/apis/tekton.dev/v1/namespaces/ci/pipelineruns', 201],
      ['GET', '/apis/tekton.dev/v1/namespaces/ci/pipelineruns/missing', 404],
    ]);
    for (const e of entries) {
      expect(e.at).toBeGreaterThanOrEqual(t0);
      expect(e.time).toBe(e.at);
      expect(e.durationMs).toBeGreaterThanOrEqual(0);
    }
  });
});
