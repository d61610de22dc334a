import type { KubeConfig } from '@kubernetes/client-node';
import { notificationsQueue, type RunJob, type RunsJob, runsQueue } from '@signalbox/contracts';
import { createLogger, createProducer, createRedis } from '@signalbox/runtime';
import { type KubeFake, type KubeFakeOptions, startKubeFake } from '@signalbox/testkit';
import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { buildRunSchedulerParts } from '../src/build-run-scheduler-parts.ts';
import type { ConcurrencyGroups } from '../src/concurrency-groups.ts';
import { kubeBackend } from '../src/kube-backend.ts';
import type { NamespaceRegistry } from '../src/namespace-registry.ts';
import { PooledKubeConfig } from '../src/pooled-kube-config.ts';
import type { RunStatusWatcher } from '../src/run-status-watcher.ts';

export function runJob(
  n: number,
  overrides: Partial<RunJob> = {},
  metadata: Record<string, unknown> = {},
): RunJob {
  return {
    correlation: {
      deliveryId: `d-${n}`,
      eventId: `event-${n}`,
      listener: 'github',
      trigger: 'ci',
      repo: 'org/app',
    },
    index: 0,
    namespace: 'ci',
    resource: {
      apiVersion: 'tekton.dev/v1',
      kind: 'PipelineRun',
      metadata: {
        generateName: 'build-',
        labels: { 'triggers.tekton.dev/triggers-eventid': `event-${n}` },
        ...metadata,
      },
      spec: { pipelineRef: { name: 'build' } },
    },
    ...overrides,
  };
}

/** A runs job of one run (a delivery that fired one object). */
export const single = (run: RunJob): RunsJob => ({ runs: [run] });

export interface Harness {
  readonly fake: KubeFake;
  readonly kc: KubeConfig;
  readonly redis: Redis;
  readonly runs: ReturnType<typeof createProducer<typeof runsQueue>>;
  readonly notifications: ReturnType<typeof createProducer<typeof notificationsQueue>>;
  readonly groups: ConcurrencyGroups;
  /** Where the harness's workers record the namespaces they created runs in. */
  readonly registry: NamespaceRegistry;
  /** A worker as one scheduler replica runs it (its own Redis connection, small backoffs). */
  startWorker(options?: { timeoutMs?: number }): Worker;
  /** A status watcher following the recorded namespaces (and releasing queued runs). */
  startWatcher(): RunStatusWatcher;
  /** Waits until the runs queue has nothing waiting, delayed or active. */
  drained(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function harness(
  url: string,
  prefix: string,
  namespaces = ['ci'],
  fakeOptions: Omit<KubeFakeOptions, 'namespaces'> = {},
): Promise<Harness> {
  const fake = await startKubeFake({ ...fakeOptions, namespaces });
  const kc = new PooledKubeConfig();
  kc.loadFromFile(fake.kubeconfigPath);
  const redis = createRedis(url, { forWorker: true });
  const runs = createProducer(runsQueue, { connection: redis, prefix });
  const notifications = createProducer(notificationsQueue, { connection: redis, prefix });
  const logger = createLogger({ level: 'silent' });
  const workers: Worker[] = [];
  const connections: Redis[] = [];
  const own = (connection: Redis) => {
    connections.push(connection);
    return connection;
  };
  const shared = buildRunSchedulerParts({ redis, prefix, backend: kubeBackend(kc), notifications, logger });
  const { groups, namespaces: registry } = shared;
  const watchers: RunStatusWatcher[] = [];
  return {
    fake,
    kc,
    redis,
    runs,
    notifications,
    groups,
    registry,
    startWatcher() {
      const watcher = shared.buildWatcher({ namespaces: [], namespacePollMs: 50, minBackoffMs: 20 });
      if (!watcher) throw new Error('the Kubernetes backend can watch');
      watcher.start();
      watchers.push(watcher);
      return watcher;
    },
    startWorker(options = {}) {
      const workerKc = new PooledKubeConfig({ requestTimeoutMs: options.timeoutMs ?? 2_000 });
      workerKc.loadFromFile(fake.kubeconfigPath);
      const parts = buildRunSchedulerParts({
        redis,
        prefix,
        backend: kubeBackend(workerKc),
        notifications,
        logger,
      });
      const worker = parts.buildWorker({
        connection: own(createRedis(url, { forWorker: true })),
        concurrency: 16,
        backoffBaseMs: 20,
        backoffMaxMs: 300,
      });
      workers.push(worker);
      return worker;
    },
    async drained(timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while ((await runs.queue.getJobCountByTypes('waiting', 'delayed', 'active', 'prioritized')) > 0) {
        if (Date.now() > deadline) throw new Error('runs queue did not drain');
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async close() {
      await Promise.all(watchers.map((w) => w.stop()));
      await Promise.all(workers.map((w) => w.close()));
      await runs.close();
      await notifications.close();
      for (const c of [...connections, redis]) c.disconnect();
      await fake.close();
    },
  };
}
