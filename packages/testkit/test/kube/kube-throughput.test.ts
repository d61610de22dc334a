import { Watch } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeWithClients, startWithClients } from './kube-test-helpers.ts';

let k: FakeWithClients;
beforeAll(async () => {
  k = await startWithClients({ namespaces: ['ci'] });
});
afterAll(() => k.fake.close());

const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;

describe('throughput', () => {
  it('creates well over 200 PipelineRuns/s while two watches stream every one of them', {
    timeout: 30_000,
  }, async () => {
    const seen = [0, 0];
    const watches = await Promise.all(
      seen.map((_v, i) =>
        new Watch(k.kc).watch(
          '/apis/tekton.dev/v1/namespaces/ci/pipelineruns',
          { resourceVersion: k.fake.resourceVersion, labelSelector: 'signalbox.dev/trigger=push' },
          () => {
            seen[i] = (seen[i] ?? 0) + 1;
          },
          () => {},
        ),
      ),
    );
    const url = `${k.fake.url}/apis/tekton.dev/v1/namespaces/ci/pipelineruns`;
    const headers = { authorization: `Bearer ${k.fake.token}`, 'content-type': 'application/json' };
    const body = (i: number) =>
      JSON.stringify({
        apiVersion: 'tekton.dev/v1',
        kind: 'PipelineRun',
        metadata: {
          name: `run-${i}`,
          labels: { 'signalbox.dev/trigger': 'push', 'signalbox.dev/event': `e-${i}` },
          annotations: { 'signalbox.dev/payload': 'x'.repeat(2_000) },
        },
        spec: { pipelineRef: { name: 'build' }, params: [{ name: 'sha', value: 'a'.repeat(40) }] },
      });
    const total = 1_000;
    const latencies: number[] = [];
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < total) {
          const i = next++;
          const t0 = performance.now();
          const res = await fetch(url, { method: 'POST', headers, body: body(i) });
          await res.arrayBuffer();
          expect(res.status).toBe(201);
          latencies.push(performance.now() - t0);
        }
      }),
    );
    const rate = total / ((performance.now() - started) / 1000);
    latencies.sort((a, b) => a - b);
    const server = k.fake.requestLog
      .filter((r) => r.method === 'POST')
      .map((r) => r.durationMs)
      .sort((a, b) => a - b);
    const deadline = Date.now() + 10_000;
    while ((seen[0] !== total || seen[1] !== total) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    for (const w of watches) w.abort();
    console.info(
      `kube fake: ${rate.toFixed(0)} creates/s at concurrency 16; client p50 ${percentile(latencies, 0.5).toFixed(1)} ms p99 ${percentile(latencies, 0.99).toFixed(1)} ms; server p99 ${percentile(server, 0.99)} ms; watch events ${seen.join('/')}`,
    );
    expect(k.fake.createCount('pipelineruns')).toBe(total);
    expect(seen).toEqual([total, total]);
    expect(rate).toBeGreaterThan(200);
    expect(percentile(server, 0.99)).toBeLessThan(50);
  });
});
