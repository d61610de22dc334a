// run-scheduler: enqueue → PipelineRun created, against the Kubernetes API fake, at a steady
// 200 events/s for 10 s. Baseline in the same run: the same creates made directly with the
// client (no queue), so the ratio shows what the queue and the worker add. Loopback only;
// starts its own redis-server and stops everything at the end.
//   npm run bench -- run-scheduler
import { KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';
import { notificationsQueue, type RunJob, runsQueue } from '@signalbox/contracts';
import { buildRunScheduler, kubeBackend } from '@signalbox/run-scheduler';
import { createLogger, createProducer, createRedis } from '@signalbox/runtime';
import { startKubeFake, startRedisServer } from '@signalbox/testkit';

const rate = 200;
const seconds = 10;
const total = rate * seconds;

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))] ?? NaN;
const job = (n: number, run: string): RunJob => ({
  correlation: { deliveryId: `d${n}`, eventId: `${run}-${n}`, listener: 'bench', trigger: 'ci' },
  index: 0,
  namespace: 'ci',
  resource: {
    apiVersion: 'tekton.dev/v1',
    kind: 'PipelineRun',
    metadata: { generateName: 'build-', labels: { n: String(n) } },
    spec: { pipelineRef: { name: 'b' } },
  },
});

async function paced(fn: (i: number) => Promise<void> | void): Promise<void> {
  const start = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    pending.push(Promise.resolve(fn(i)));
  }
  await Promise.all(pending);
}

const redisServer = await startRedisServer();
const fake = await startKubeFake({ namespaces: ['ci'] });
const kc = new KubeConfig();
kc.loadFromFile(fake.kubeconfigPath);
const logger = createLogger({ level: 'silent' });

// Baseline: direct creates at the same pace.
const api = KubernetesObjectApi.makeApiClient(kc);
const direct: number[] = [];
await paced(async (i) => {
  const t = performance.now();
  await api.create({
    ...job(i, 'direct').resource,
    metadata: { name: `direct-${i}`, namespace: 'ci' },
  } as never);
  direct.push(performance.now() - t);
});

// Full path: producer → Redis → worker → API.
const connection = createRedis(redisServer.url, { forWorker: true });
const runs = createProducer(runsQueue, { connection, prefix: 'bench' });
const notifications = createProducer(notificationsQueue, { connection, prefix: 'bench' });
const created = new Map<string, number>();
const worker = buildRunScheduler({
  connection: createRedis(redisServer.url, { forWorker: true }),
  prefix: 'bench',
  backend: kubeBackend(kc),
  notifications,
  logger,
  concurrency: 32,
});
worker.on('completed', (j) => created.set(String((j.data as RunJob).correlation.eventId), performance.now()));
await worker.waitUntilReady();
const added = new Map<string, number>();
const t0 = performance.now();
await paced(async (i) => {
  added.set(`queued-${i}`, performance.now());
  await runs.add(job(i, 'queued'));
});
while (created.size < total) await new Promise((r) => setTimeout(r, 10));
const elapsed = (performance.now() - t0) / 1000;
const latency = [...added].map(([id, t]) => (created.get(id) ?? NaN) - t);
const objects = fake
  .objects('pipelineruns')
  .filter((o) => String(o.metadata.name).startsWith('build-')).length;

console.log(
  `${total} events at ${rate}/s (Node ${process.version}); ${objects} PipelineRuns created through the queue`,
);
console.log(
  `direct client create     p50 ${pct(direct, 50).toFixed(1)} ms   p99 ${pct(direct, 99).toFixed(1)} ms`,
);
console.log(
  `enqueue → created        p50 ${pct(latency, 50).toFixed(1)} ms   p99 ${pct(latency, 99).toFixed(1)} ms   ${(total / elapsed).toFixed(0)} creates/s`,
);
console.log(`ratio p99 queued / direct: ${(pct(latency, 99) / pct(direct, 99)).toFixed(1)}x`);
console.log(`target p99 < 50 ms at ${rate} events/s — ${pct(latency, 99) < 50 ? 'met' : 'NOT met'}`);

await worker.close();
await runs.close();
await notifications.close();
connection.disconnect();
await fake.close();
await redisServer.stop();
