import { type notificationsQueue, type RunJob, resourceKey, runsQueue } from '@signalbox/contracts';
import { createContractWorker, PermanentError, type Producer } from '@signalbox/runtime';
import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { classifyKubeError } from './classify-error.ts';
import type { ConcurrencyGroups } from './concurrency-groups.ts';
import { createRun, prepareObject } from './create-run.ts';
import { jitteredBackoff } from './jittered-backoff.ts';
import type { NamespaceRegistry } from './namespace-registry.ts';
import { pipelineName } from './pipeline-name.ts';
import type { RunBackend } from './run-backend.ts';
import type { SchedulerMetrics } from './scheduler-metrics.ts';

export interface RunSchedulerDeps {
  /** A worker connection (`maxRetriesPerRequest: null`). */
  readonly connection: Redis;
  /** BullMQ key prefix (the queue prefix). */
  readonly prefix: string;
  readonly backend: RunBackend;
  /** Applies jobs' concurrency groups; without it, groups are ignored. */
  readonly groups?: ConcurrencyGroups;
  readonly notifications: Producer<typeof notificationsQueue>;
  /** Remembers where runs were created, for the status watcher. */
  readonly namespaces?: NamespaceRegistry;
  readonly metrics?: SchedulerMetrics;
  readonly logger: Logger;
  /** Jobs processed at once by this replica (default 8). */
  readonly concurrency?: number;
  /** Base of the exponential backoff (ms, default 1 000); a longer Retry-After from the API wins. */
  readonly backoffBaseMs?: number;
  /** Cap of the backoff (ms, default 5 min). */
  readonly backoffMaxMs?: number;
  /** How soon a crashed worker's job is taken over (BullMQ lock, ms; default 30 000). */
  readonly lockDurationMs?: number;
  readonly stalledIntervalMs?: number;
  /**
   * How often a job may be taken over from a crashed worker before it is dead-lettered (default
   * 5; BullMQ's 1 would dead-letter a job whose worker was killed twice, and creates are
   * idempotent, so a takeover is harmless — the bound only stops a job that kills every worker).
   */
  readonly maxStalledCount?: number;
}

/** A retryable failure, carrying the API's Retry-After to the backoff strategy. */
class TransientKubeError extends Error {
  readonly retryAfterMs: number | undefined;
  constructor(message: string, retryAfterMs: number | undefined, cause: unknown) {
    super(message, { cause });
    this.name = 'TransientKubeError';
    this.retryAfterMs = retryAfterMs;
  }
}

/** The few log calls of one job, each with the job's bindings. */
type JobLog = Pick<Logger, 'info' | 'warn'>;

function jobLog(logger: Logger, bindings: Record<string, unknown>): JobLog {
  return {
    info: (obj: object, msg: string) =>
      logger.isLevelEnabled('info') && logger.info({ ...bindings, ...obj }, msg),
    warn: (obj: object, msg: string) => logger.warn({ ...bindings, ...obj }, msg),
  } as JobLog;
}

/** Identity of a job's object, shared by its notifications' keys. */
const jobKey = (job: RunJob) =>
  resourceKey({ eventId: job.correlation.eventId, trigger: job.correlation.trigger, index: job.index });

/**
 * A failed create: a transient failure retries (the backoff strategy honours its Retry-After); a
 * permanent one sends `run.failed_to_create` with the API's message and dead-letters. Always throws.
 */
async function createFailed(
  err: unknown,
  job: RunJob,
  attemptsMade: number,
  log: JobLog,
  deps: RunSchedulerDeps,
): Promise<never> {
  const c = classifyKubeError(err);
  if (!c.permanent) {
    deps.metrics?.creates.inc({ outcome: 'retry' });
    log.warn(
      {
        status: c.status,
        reason: c.message,
        retryAfterMs: c.retryAfterMs,
        attempt: attemptsMade + 1,
      },
      'create failed; will retry',
    );
    throw new TransientKubeError(c.message, c.retryAfterMs, err);
  }
  const object = prepareObject(job);
  const pipeline = pipelineName(object);
  await deps.notifications.add({
    kind: 'run.failed_to_create',
    key: jobKey(job),
    correlation: job.correlation,
    data: {
      status: c.status ?? null,
      message: c.message,
      kind: object.kind,
      name: object.metadata.name,
      namespace: object.metadata.namespace,
      ...(pipeline ? { pipeline } : {}),
    },
    occurredAt: new Date().toISOString(),
  });
  deps.metrics?.creates.inc({ outcome: 'dead_lettered' });
  throw new PermanentError(`KUBE_${c.status ?? 'ERROR'}`, c.message, { cause: err });
}

/** `run.queued` for a run created to wait in its concurrency group. */
async function announceQueued(
  job: RunJob,
  result: { name: string; namespace: string },
  deps: RunSchedulerDeps,
): Promise<void> {
  const pipeline = pipelineName(job.resource);
  await deps.notifications.add({
    kind: 'run.queued',
    key: jobKey(job),
    correlation: job.correlation,
    data: {
      name: result.name,
      namespace: result.namespace,
      kind: String((job.resource as { kind?: unknown }).kind),
      group: job.concurrency?.group ?? null,
      ...(pipeline ? { pipeline } : {}),
    },
    occurredAt: new Date().toISOString(),
  });
}

/**
 * The runs-queue worker (BullMQ starts it on construction): creates each object exactly once; a
 * transient API failure is retried with exponential backoff and equal jitter, never sooner than
 * the API's Retry-After; a permanent one is dead-lettered after that single attempt, with a
 * `run.failed_to_create` notification carrying the API's message. A run created to wait in its
 * concurrency group is announced with `run.queued`.
 */
export function buildRunScheduler(deps: RunSchedulerDeps): Worker {
  const base = deps.backoffBaseMs ?? 1_000;
  const max = deps.backoffMaxMs ?? 5 * 60_000;
  return createContractWorker(
    runsQueue,
    async (job, { job: raw }) => {
      // Bindings per call rather than a child logger per job: pino's child() recompiles its
      // redaction for every child, a measurable cost at a thousand jobs a second.
      const log = jobLog(deps.logger, {
        queue: runsQueue.name,
        jobId: raw.id,
        eventId: job.correlation.eventId,
        trigger: job.correlation.trigger,
      });
      let result: Awaited<ReturnType<typeof createRun>>;
      try {
        result = await createRun(
          job,
          { backend: deps.backend, ...(deps.groups ? { groups: deps.groups } : {}) },
          raw.timestamp,
        );
      } catch (err) {
        return await createFailed(err, job, raw.attemptsMade, log, deps);
      }
      if (result.groupIgnored) log.warn({ group: job.concurrency?.group }, result.groupIgnored);
      await deps.namespaces?.record(result.namespace);
      // Also on a repeat: a crash may have come between creating the run and announcing it.
      if (result.pending) await announceQueued(job, result, deps);
      const outcome = !result.created ? 'repeat' : result.pending ? 'queued' : 'created';
      deps.metrics?.creates.inc({ outcome });
      if (result.created) deps.metrics?.enqueueToCreated.observe((Date.now() - raw.timestamp) / 1000);
      log.info(
        {
          name: result.name,
          namespace: result.namespace,
          pending: result.pending,
          cancelled: result.cancelled,
        },
        result.created ? 'run created' : 'run already existed (a repeat): done',
      );
      return result;
    },
    {
      connection: deps.connection,
      prefix: deps.prefix,
      logger: deps.logger,
      concurrency: deps.concurrency ?? 8,
      maxStalledCount: deps.maxStalledCount ?? 5,
      ...(deps.lockDurationMs ? { lockDuration: deps.lockDurationMs } : {}),
      ...(deps.stalledIntervalMs ? { stalledInterval: deps.stalledIntervalMs } : {}),
      settings: {
        // BullMQ calls this for the contract's custom backoff type; `attemptsMade` counts from 1.
        backoffStrategy: (attemptsMade: number, _type?: string, err?: Error) => {
          const jittered = jitteredBackoff(attemptsMade, base, max);
          const retryAfter = err instanceof TransientKubeError ? (err.retryAfterMs ?? 0) : 0;
          return Math.round(Math.max(jittered, retryAfter));
        },
      },
    },
  );
}
