import { resolve } from 'node:path';
import { notificationsQueue, runsQueue } from '@signalbox/contracts';
import {
  ConfigError,
  createEnvReader,
  createProducer,
  createRedis,
  type RunningService,
  readConfig,
  registerQueueDepthGauge,
  type ServiceStartOptions,
} from '@signalbox/runtime';
import { Queue } from 'bullmq';
import { buildRunSchedulerParts } from './build-run-scheduler-parts.ts';
import { dryRunBackend } from './dry-run-backend.ts';
import { startDryRunReleaser } from './dry-run-releaser.ts';
import { findKubeConfig } from './find-kube-config.ts';
import { createSchedulerMetrics } from './scheduler-metrics.ts';

/**
 * Starts the run-scheduler: the runs-queue worker and, on a cluster, the PipelineRun status
 * watcher. Backend: SIGNALBOX_RUN_BACKEND, else `kubernetes` when a kubeconfig or in-cluster
 * account is found, else `dry-run` (YAML files under SIGNALBOX_OUT_DIR). Service settings:
 * SIGNALBOX_WATCH_NAMESPACES (comma-separated, `*` = all; followed in addition to every
 * namespace runs were created in), SIGNALBOX_RUN_CONCURRENCY (creates in flight, default 32),
 * SIGNALBOX_KUBE_TIMEOUT_MS (per API request, default 10 000).
 */
// long-function: composition root: the service's wiring in start order, read top to bottom (STYLE 1)
export async function start({ env, logger, registry }: ServiceStartOptions): Promise<RunningService> {
  const config = readConfig(env);
  const read = createEnvReader(env);
  const watchNamespaces = read.list('SIGNALBOX_WATCH_NAMESPACES') ?? [];
  // 32 creates in flight: with the connection's auto-pipelining, their completions share Redis
  // round trips (half the Redis writes per job of 8 at 1 000 creates/s, bench/RESULTS.md).
  const concurrency = read.integer('SIGNALBOX_RUN_CONCURRENCY', 32, { min: 1, max: 256 });
  const timeoutMs = read.integer('SIGNALBOX_KUBE_TIMEOUT_MS', 10_000, { min: 100, max: 300_000 });
  read.done();
  const source = findKubeConfig(env);
  const backendKind = config.runBackend ?? (source ? 'kubernetes' : 'dry-run');
  if (backendKind === 'kubernetes' && !source) {
    throw new ConfigError([
      {
        variable: 'SIGNALBOX_RUN_BACKEND',
        value: 'kubernetes',
        allowed:
          'kubernetes only with KUBECONFIG, ~/.kube/config or an in-cluster service account; else dry-run',
      },
    ]);
  }
  // Only the Kubernetes backend reads a kubeconfig. It does so with client-node's leaf modules
  // (`kube/lean-kube-config.ts`): client-node's index costs ~80 MB of RSS once imported.
  const kc =
    backendKind === 'kubernetes' && source
      ? (await import('./load-kube-config.ts')).loadKubeConfig(env, source, { requestTimeoutMs: timeoutMs })
      : undefined;

  // No auto-pipelining on the worker's connection: ioredis builds a Pipeline per batch and copies
  // every one of BullMQ's ~40 scripts onto it, which cost more than the socket writes it saved
  // now that a job carries a delivery's runs (1 of 10 firing: 0.28-0.29 -> 0.23-0.24 ms of the
  // scheduler's CPU per delivery; bench/RESULTS.md, round 4).
  const connection = createRedis(config.redis, { name: 'run-scheduler', logger, forWorker: true });
  const redis = createRedis(config.redis, { name: 'run-scheduler-state', logger, forWorker: true });
  const prefix = config.queuePrefix;
  const notifications = createProducer(notificationsQueue, { connection: redis, prefix });
  const runsView = new Queue(runsQueue.name, { connection: redis, prefix: runsQueue.keyPrefix(prefix) });
  registerQueueDepthGauge(registry, [runsView]);
  const metrics = createSchedulerMetrics(registry);
  const dryRun = kc ? undefined : dryRunBackend(resolve(config.outDir));
  const backend = dryRun ?? (await import('./kube-backend.ts')).kubeBackend(kc!);
  const parts = buildRunSchedulerParts({ redis, prefix, backend, notifications, logger, metrics });
  const { groups } = parts;
  const worker = parts.buildWorker({ connection, concurrency });
  const watcher = parts.buildWatcher({ namespaces: watchNamespaces });
  watcher?.start();
  const stopReleaser = dryRun ? startDryRunReleaser({ backend: dryRun, groups, logger }) : async () => {};
  logger.info(
    {
      backend: backendKind,
      ...(kc
        ? { cluster: kc.getCurrentCluster()?.server, source, watchNamespaces }
        : { outDir: resolve(config.outDir) }),
      concurrency,
    },
    'run-scheduler started',
  );
  return {
    name: 'run-scheduler',
    ready: () => connection.status === 'ready' && redis.status === 'ready' && worker.isRunning(),
    async stop() {
      await worker.close(); // lets in-flight creates finish
      await watcher?.stop();
      await stopReleaser();
      await notifications.close();
      await runsView.close();
      await Promise.all([connection.quit(), redis.quit()].map((p) => p.catch(() => {})));
    },
  };
}
