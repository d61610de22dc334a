import type { notificationsQueue } from '@signalbox/contracts';
import type { Producer } from '@signalbox/runtime';
import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { ConcurrencyGroups } from './concurrency-groups.ts';
import { createNamespaceRegistry, type NamespaceRegistry } from './namespace-registry.ts';
import type { RunBackend, WatchableRunBackend } from './run-backend.ts';
import { RunStatusWatcher, type RunStatusWatcherDeps } from './run-status-watcher.ts';
import type { SchedulerMetrics } from './scheduler-metrics.ts';
import { buildRunScheduler, type RunSchedulerDeps } from './worker.ts';

/** What every part shares. */
export interface RunSchedulerPartsDeps {
  /** State connection: groups' locks, the namespace registry, the watcher's markers. */
  readonly redis: Redis;
  /** Redis key prefix (the queue prefix). */
  readonly prefix: string;
  readonly backend: RunBackend;
  readonly notifications: Producer<typeof notificationsQueue>;
  readonly logger: Logger;
  readonly metrics?: SchedulerMetrics;
}

/** The worker's own settings (its connection, concurrency, backoff, locks). */
export type WorkerOptions = Omit<RunSchedulerDeps, keyof RunSchedulerPartsDeps | 'groups' | 'namespaces'>;

/** The watcher's own settings (namespaces, polling, backoff, inactivity). */
export type WatcherOptions = Omit<
  RunStatusWatcherDeps,
  keyof RunSchedulerPartsDeps | 'backend' | 'groups' | 'registry'
>;

export interface RunSchedulerParts {
  readonly groups: ConcurrencyGroups;
  /** Where runs were created; the worker records into it, the watcher follows it. */
  readonly namespaces: NamespaceRegistry;
  /** The runs-queue worker (BullMQ starts it on construction). */
  buildWorker(options: WorkerOptions): Worker;
  /** The status watcher, not started; undefined when the backend cannot watch (dry-run). */
  buildWatcher(options: WatcherOptions): RunStatusWatcher | undefined;
}

const canWatch = (backend: RunBackend): backend is WatchableRunBackend => backend.watch !== undefined;

/**
 * The run-scheduler's parts wired together — concurrency groups over the backend, the namespace
 * registry, the worker and the status watcher sharing them — so `main.ts` and the tests build
 * the same service and differ only in where the connections and the backend come from.
 */
export function buildRunSchedulerParts(deps: RunSchedulerPartsDeps): RunSchedulerParts {
  const { redis, prefix, backend, logger } = deps;
  const groups = new ConcurrencyGroups({ redis, backend, prefix, logger });
  const namespaces = createNamespaceRegistry(redis, prefix);
  return {
    groups,
    namespaces,
    buildWorker: (options) => buildRunScheduler({ ...deps, ...options, groups, namespaces }),
    buildWatcher: (options) =>
      canWatch(backend)
        ? new RunStatusWatcher({ ...deps, ...options, backend, groups, registry: namespaces })
        : undefined,
  };
}
