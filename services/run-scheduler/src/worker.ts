import {
  type notificationsQueue,
  type RunJob,
  resourceKey,
  runFailureLine,
  runsQueue,
} from '@signalbox/contracts';
import { createContractWorker, PermanentError, type Producer } from '@signalbox/runtime';
import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { type Classified, classifyKubeError } from './classify-error.ts';
import type { ConcurrencyGroups } from './concurrency-groups.ts';
import { type CreateRunResult, createRun, prepareObject } from './create-run.ts';
import { type CreateSlots, createSlots } from './create-slots.ts';
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
  /** Runs created at once by this replica, over all its jobs (default 8). */
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

/** Identity of a run's object, shared by its notifications' keys. */
const runKey = (run: RunJob) =>
  resourceKey({ eventId: run.correlation.eventId, trigger: run.correlation.trigger, index: run.index });

/** What one run of a job came to in this attempt. */
type RunOutcome =
  | { readonly run: RunJob; readonly result: CreateRunResult }
  | { readonly run: RunJob; readonly failure: Classified; readonly error: unknown };

/** `run.failed_to_create` for a run the API refused for good, with the API's message. */
async function announceFailed(run: RunJob, c: Classified, deps: RunSchedulerDeps): Promise<void> {
  const object = prepareObject(run);
  const pipeline = pipelineName(object);
  await deps.notifications.add({
    kind: 'run.failed_to_create',
    key: runKey(run),
    correlation: run.correlation,
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
}

/** `run.queued` for a run created to wait in its concurrency group. */
async function announceQueued(
  run: RunJob,
  result: { name: string; namespace: string },
  deps: RunSchedulerDeps,
): Promise<void> {
  const pipeline = pipelineName(run.resource);
  await deps.notifications.add({
    kind: 'run.queued',
    key: runKey(run),
    correlation: run.correlation,
    data: {
      name: result.name,
      namespace: result.namespace,
      kind: String((run.resource as { kind?: unknown }).kind),
      group: run.concurrency?.group ?? null,
      ...(pipeline ? { pipeline } : {}),
    },
    occurredAt: new Date().toISOString(),
  });
}

/**
 * Creates one run of a job and tells what it came to. An API failure is an outcome, not a throw, so
 * the job's other runs go on; a Redis failure (recording, announcing) throws and the job is retried.
 */
async function createOne(run: RunJob, enqueuedAt: number, deps: RunSchedulerDeps): Promise<RunOutcome> {
  let result: CreateRunResult;
  try {
    result = await createRun(
      run,
      { backend: deps.backend, ...(deps.groups ? { groups: deps.groups } : {}) },
      enqueuedAt,
    );
  } catch (error) {
    const failure = classifyKubeError(error);
    if (failure.permanent) await announceFailed(run, failure, deps);
    deps.metrics?.creates.inc({ outcome: failure.permanent ? 'dead_lettered' : 'retry' });
    return { run, failure, error };
  }
  await deps.namespaces?.record(result.namespace);
  // Also on a repeat: a crash may have come between creating the run and announcing it.
  if (result.pending) await announceQueued(run, result, deps);
  deps.metrics?.creates.inc({ outcome: !result.created ? 'repeat' : result.pending ? 'queued' : 'created' });
  if (result.created) deps.metrics?.enqueueToCreated.observe((Date.now() - enqueuedAt) / 1000);
  return { run, result };
}

/**
 * Each run of `runs` through `create`, at most as many at once as `slots` allows; runs of one
 * concurrency group one after another, in the job's order, since each waits on the group's lock.
 */
function createAll(
  runs: readonly RunJob[],
  slots: CreateSlots,
  create: (run: RunJob) => Promise<RunOutcome>,
): Promise<RunOutcome[]> {
  const groupTail = new Map<string, Promise<unknown>>();
  return Promise.all(
    runs.map((run) => {
      const task = () => slots.run(() => create(run));
      const group = run.concurrency?.group;
      if (group === undefined) return task();
      const outcome = (groupTail.get(group) ?? Promise.resolve()).then(task);
      groupTail.set(
        group,
        outcome.catch(() => {}),
      );
      return outcome;
    }),
  );
}

/** A failed run's part of its job's error, which names the run (the console shows it on that run's row). */
const failureLine = ({ run, failure }: { run: RunJob; failure: Classified }) =>
  runFailureLine({
    name: prepareObject(run).metadata.name,
    trigger: run.correlation.trigger,
    index: run.index,
    status: failure.status,
    message: failure.message,
  });

/**
 * A job's outcomes → its result, or the error that retries it (any transient failure: the runs
 * created already are found by name next time) or dead-letters it (only permanent ones left).
 */
function settle(outcomes: readonly RunOutcome[], log: Logger, bindings: Record<string, unknown>) {
  const created = outcomes.flatMap((o) => ('result' in o ? [o.result] : []));
  const failed = outcomes.flatMap((o) => ('failure' in o ? [o] : []));
  if (created.length > 0 && log.isLevelEnabled('info')) {
    log.info(
      {
        ...bindings,
        runs: created.map((r) => ({
          name: r.name,
          namespace: r.namespace,
          created: r.created,
          ...(r.pending ? { pending: true } : {}),
          ...(r.cancelled.length > 0 ? { cancelled: r.cancelled } : {}),
        })),
      },
      created.every((r) => r.created) ? 'runs created' : 'runs created (some already existed: repeats)',
    );
  }
  for (const r of created) if (r.groupIgnored) log.warn({ ...bindings, name: r.name }, r.groupIgnored);
  const transient = failed.filter((o) => !o.failure.permanent);
  if (transient.length > 0) {
    const retryAfterMs = Math.max(0, ...transient.map((o) => o.failure.retryAfterMs ?? 0));
    log.warn({ ...bindings, failed: failed.map(failureLine), retryAfterMs }, 'create failed; will retry');
    throw new TransientKubeError(
      failed.map(failureLine).join('; '),
      retryAfterMs || undefined,
      transient[0]?.error,
    );
  }
  const first = failed[0];
  if (first) {
    throw new PermanentError(`KUBE_${first.failure.status ?? 'ERROR'}`, failed.map(failureLine).join('; '), {
      cause: first.error,
    });
  }
  return { runs: created };
}

/**
 * The runs-queue worker (BullMQ starts it on construction). A job is one delivery's objects; each
 * is created exactly once (its deterministic name: a repeat finds it there, 409), concurrently up
 * to the worker's bound. A transient API failure of any run retries the job with exponential
 * backoff and equal jitter, never sooner than the API's Retry-After; a permanent one sends
 * `run.failed_to_create` with the API's message, and once only permanent failures are left the job
 * is dead-lettered, naming each run that failed. A run created to wait in its concurrency group is
 * announced with `run.queued`.
 */
export function buildRunScheduler(deps: RunSchedulerDeps): Worker {
  const base = deps.backoffBaseMs ?? 1_000;
  const max = deps.backoffMaxMs ?? 5 * 60_000;
  const concurrency = deps.concurrency ?? 8;
  const slots = createSlots(concurrency);
  return createContractWorker(
    runsQueue,
    async (job, { job: raw }) => {
      // One log line per job, with bindings rather than a child logger: pino's child() recompiles
      // its redaction for every child, a measurable cost at a thousand runs a second.
      const bindings = {
        queue: runsQueue.name,
        jobId: raw.id,
        eventId: job.runs[0]?.correlation.eventId,
        attempt: raw.attemptsMade + 1,
      };
      const outcomes = await createAll(job.runs, slots, (run) => createOne(run, raw.timestamp, deps));
      return settle(outcomes, deps.logger, bindings);
    },
    {
      connection: deps.connection,
      prefix: deps.prefix,
      logger: deps.logger,
      // Jobs at once: as many as runs may be in flight, so small jobs (one run, the common case)
      // keep every slot busy; a big job's runs wait for slots instead.
      concurrency,
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
