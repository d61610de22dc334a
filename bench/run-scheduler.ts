// run-scheduler: event enqueued → PipelineRun created, against the Kubernetes API fake.
//   1. paced: a steady 200 events/s for 10 s; p50/p99 latency from enqueue to the worker's
//      completion (after the object exists: a slight overestimate of "created").
//   2. burst: 2 000 events enqueued at once; creates/s until all exist.
// Baseline in the same run, same pace and same in-flight limit: the same creates made directly
// with the client (no queue, no Redis), so the ratios show what durability costs; stock
// client-node (a new connection per request) is measured as well. Each phase is
// warmed up first. The API fake runs in its own process (bench/run-scheduler-fake-server.ts).
// Loopback only; starts its own redis-server and stops everything at the end.
//   npm run bench -- run-scheduler
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';
import { notificationsQueue, type RunJob, type RunsJob, runsQueue } from '@signalbox/contracts';
import { buildRunScheduler, kubeBackend, PooledKubeConfig } from '@signalbox/run-scheduler';
import { createLogger, createProducer, createRedis } from '@signalbox/runtime';
import { startRedisServer } from '@signalbox/testkit';

const rate = 200;
const seconds = 10;
const paced = rate * seconds;
const burst = 2_000;
const concurrency = 32;

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))] ?? Number.NaN;
const job = (n: number, run: string): RunJob => ({
  correlation: { deliveryId: `d-${run}-${n}`, eventId: `${run}-${n}`, listener: 'bench', trigger: 'ci' },
  index: 0,
  namespace: 'ci',
  resource: {
    apiVersion: 'tekton.dev/v1',
    kind: 'PipelineRun',
    metadata: { generateName: 'build-', labels: { 'bench/run': run } },
    spec: { pipelineRef: { name: 'build' }, params: [{ name: 'revision', value: 'a'.repeat(40) }] },
  },
});

async function atPace(count: number, fn: (i: number) => Promise<void>): Promise<void> {
  const start = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const wait = start + (i * 1000) / rate - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    pending.push(fn(i));
  }
  await Promise.all(pending);
}

/** Runs `fn(i)` for i < count with at most `limit` in flight; returns seconds taken. */
async function saturated(count: number, limit: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  const t = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < count) await fn(next++);
    }),
  );
  return (performance.now() - t) / 1000;
}

const redisServer = await startRedisServer();
const fakeServer = spawn(
  process.execPath,
  [fileURLToPath(new URL('./run-scheduler-fake-server.ts', import.meta.url))],
  { stdio: ['pipe', 'pipe', 'inherit'] },
);
const kubeconfigPath = await new Promise<string>((resolve, reject) => {
  fakeServer.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
  fakeServer.once('exit', (code) => reject(new Error(`the API fake exited with ${code}`)));
});
// The scheduler's client shares connections (PooledKubeConfig); stock client-node 2.0 opens one
// per request, measured too for scale.
const kc = new PooledKubeConfig();
kc.loadFromFile(kubeconfigPath);
const stock = new KubeConfig();
stock.loadFromFile(kubeconfigPath);
const logger = createLogger({ level: 'silent' });

// Baseline: the client alone, named like the worker names its runs.
const api = KubernetesObjectApi.makeApiClient(kc);
const direct =
  (run: string, client = api) =>
  async (i: number) => {
    const { generateName: _g, ...metadata } = job(i, run).resource.metadata as Record<string, unknown>;
    await client.create({
      ...job(i, run).resource,
      metadata: { ...metadata, name: `${run}-${i}`, namespace: 'ci' },
    } as never);
  };
const pacedLatency = async (fn: (i: number) => Promise<void>) => {
  const latency: number[] = [];
  await atPace(paced, async (i) => {
    const t = performance.now();
    await fn(i);
    latency.push(performance.now() - t);
  });
  return latency;
};
const stockApi = KubernetesObjectApi.makeApiClient(stock);
await saturated(500, concurrency, direct('warm-stock', stockApi));
const stockLatency = await pacedLatency(direct('stock', stockApi));
const stockBurstSeconds = await saturated(burst, concurrency, direct('stock-burst', stockApi));
await saturated(500, concurrency, direct('warm-direct'));
const directLatency = await pacedLatency(direct('direct'));
const directBurstSeconds = await saturated(burst, concurrency, direct('direct-burst'));

// Full path: producer → Redis → worker → API.
const connection = createRedis(redisServer.url, { forWorker: true });
const runs = createProducer(runsQueue, { connection, prefix: 'bench' });
const notifications = createProducer(notificationsQueue, { connection, prefix: 'bench' });
const completedAt = new Map<string, number>();
const workerConnection = createRedis(redisServer.url, { forWorker: true });
const worker = buildRunScheduler({
  connection: workerConnection,
  prefix: 'bench',
  backend: kubeBackend(kc),
  notifications,
  logger,
  concurrency,
});
worker.on('completed', (j) =>
  completedAt.set((j.data as RunsJob).runs[0]?.correlation.eventId ?? '', performance.now()),
);
await worker.waitUntilReady();
const until = async (count: number) => {
  while (completedAt.size < count) await new Promise((r) => setTimeout(r, 5));
};

// Warm-up: the paced phase adds one job at a time, so warm that path (not only addBulk).
await atPace(500, async (i) => {
  await runs.add({ runs: [job(i, 'warm-queued')] });
});
await until(500);
const addedAt = new Map<string, number>();
await atPace(paced, async (i) => {
  addedAt.set(`queued-${i}`, performance.now());
  await runs.add({ runs: [job(i, 'queued')] });
});
await until(500 + paced);
const queuedLatency = [...addedAt].map(([id, t]) => (completedAt.get(id) ?? Number.NaN) - t);

const burstStart = performance.now();
await runs.addBulk(Array.from({ length: burst }, (_v, i) => ({ runs: [job(i, 'burst')] })));
await until(500 + paced + burst);
const queuedBurstSeconds = (performance.now() - burstStart) / 1000;

const created = async (run: string) =>
  (
    await api.list(
      'tekton.dev/v1',
      'PipelineRun',
      'ci',
      undefined,
      undefined,
      undefined,
      undefined,
      `bench/run=${run}`,
    )
  ).items.length;
const line = (label: string, xs: number[]) =>
  `${label.padEnd(26)} p50 ${pct(xs, 50).toFixed(1).padStart(6)} ms   p99 ${pct(xs, 99).toFixed(1).padStart(6)} ms`;
console.log(
  `Node ${process.version}; ${paced} events at ${rate}/s, then a burst of ${burst}; ${concurrency} in flight`,
);
console.log(
  `PipelineRuns created through the queue: paced ${await created('queued')}/${paced}, burst ${await created('burst')}/${burst}`,
);
console.log(line('stock client-node create', stockLatency));
console.log(line('direct client create', directLatency));
console.log(line('enqueue → created (queue)', queuedLatency));
console.log(`ratio p99 queued / direct: ${(pct(queuedLatency, 99) / pct(directLatency, 99)).toFixed(2)}x`);
const directRate = burst / directBurstSeconds;
console.log(`burst: stock client-node ${(burst / stockBurstSeconds).toFixed(0)} creates/s`);
const queuedRate = burst / queuedBurstSeconds;
console.log(
  `burst: direct ${directRate.toFixed(0)} creates/s, through the queue ${queuedRate.toFixed(0)} creates/s`,
);
console.log(`ratio creates/s queued / direct: ${(queuedRate / directRate).toFixed(2)}x`);
console.log(`target p99 < 50 ms at ${rate} events/s: ${pct(queuedLatency, 99) < 50 ? 'met' : 'NOT met'}`);

await worker.close();
await runs.close();
await notifications.close();
connection.disconnect();
workerConnection.disconnect();
fakeServer.kill('SIGTERM');
await redisServer.stop();
