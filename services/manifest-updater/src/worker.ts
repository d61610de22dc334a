import { type ImageUpdateJob, imageUpdatesQueue, type notificationsQueue } from '@signalbox/contracts';
import { createContractWorker, type Logger, PermanentError, type Producer } from '@signalbox/runtime';
import { DelayedError, Job, type Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { classifyFailure } from './classify-failure.ts';
import type { GitHost } from './git-host.ts';
import { type ActivePolicy, type PolicyOutcome, processImageEvent } from './process-image-event.ts';
import { withRepoLock } from './repo-lock.ts';
import { UpdateState } from './update-state.ts';

export interface ManifestUpdaterDeps {
  /** A worker connection (`maxRetriesPerRequest: null`). */
  readonly connection: Redis;
  /** A second connection for the updater's own records and locks. */
  readonly redis: Redis;
  /** BullMQ key prefix (the queue prefix); the updater's records live under it too. */
  readonly prefix: string;
  /** The policies of the current config (read per job, so a reload applies to the next one). */
  readonly policies: () => readonly ActivePolicy[];
  readonly notifications: Producer<typeof notificationsQueue>;
  /** Builds a Git host client for a token (Octokit in production, pointed at `GITHUB_API_URL`). */
  readonly gitHost: (token: string) => GitHost;
  /** Clones and git's private HOME live here. */
  readonly workDir: string;
  readonly logger: Logger;
  /** How long a push waits for its scan before `manifest.gated` (ms, default 30 min). */
  readonly holdTimeoutMs?: number;
  /** Per-repository lock lifetime (ms, default 60 000), renewed while held. */
  readonly repoLockTtlMs?: number;
  /** How long a job waits for a busy repository before retrying later (ms, default 120 000). */
  readonly repoLockWaitMs?: number;
  readonly concurrency?: number;
  readonly lockDurationMs?: number;
  readonly stalledIntervalMs?: number;
  readonly now?: () => number;
}

/** A retryable failure; BullMQ retries it with the contract's exponential backoff and jitter. */
class TransientUpdateError extends Error {
  constructor(message: string, cause: unknown) {
    super(message, { cause });
    this.name = 'TransientUpdateError';
  }
}

/** Runs a held job now rather than at its deadline. */
async function wakeHeld(worker: Worker, id: string): Promise<void> {
  // The held job may still be between its decision and its move to the delayed set.
  for (let i = 0; i < 20; i++) {
    const held = await Job.fromId(worker, id);
    if (!held || (await held.isCompleted()) || (await held.isFailed())) return;
    if (await held.isDelayed()) return held.promote();
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A failed job: a transient failure retries (after its Retry-After in the delayed set, when it
 * names one); a permanent one sends `manifest.update_failed` and dead-letters. Always throws.
 */
async function failed(
  err: unknown,
  job: ImageUpdateJob,
  raw: Job,
  log: Logger,
  notifications: Producer<typeof notificationsQueue>,
  now: () => number,
): Promise<never> {
  const f = classifyFailure(err);
  if (!f.permanent) {
    log.warn(
      { code: f.code, reason: f.message, retryAfterMs: f.retryAfterMs, attempt: raw.attemptsMade + 1 },
      'update failed; will retry',
    );
    if (f.retryAfterMs) {
      await raw.moveToDelayed(now() + f.retryAfterMs, raw.token);
      throw new DelayedError();
    }
    throw new TransientUpdateError(f.message, err);
  }
  await notifications.add({
    kind: 'manifest.update_failed',
    // Per image, not per job: the push and its scan failing alike are one failure to report.
    key: `${job.image}:${job.tag}@${job.digest ?? ''}/${f.code}`,
    correlation: job.correlation,
    data: {
      image: job.image,
      tag: job.tag,
      digest: job.digest ?? null,
      code: f.code,
      message: f.message,
    },
    occurredAt: new Date(now()).toISOString(),
  });
  throw new PermanentError(f.code, f.message, { cause: err });
}

function logOutcomes(outcomes: readonly PolicyOutcome[], log: Logger): void {
  if (outcomes.length === 0) log.info('no ImageUpdatePolicy for this image: nothing to do');
  for (const o of outcomes) {
    if (o.action === 'updated')
      log.info(
        {
          policy: o.policy,
          outcome: o.outcome.kind,
          ...('pull' in o.outcome ? { pr: o.outcome.pull.url } : {}),
        },
        'image applied',
      );
    else log.info({ policy: o.policy, action: o.action, reason: o.reason }, `image ${o.action}`);
  }
}

/**
 * The image-updates worker (BullMQ starts it on construction). Each job runs `processImageEvent`;
 * a job some policy must come back to (a push held for its scan, a tag younger than minAge) is
 * moved to the delayed set until the earliest such time and runs again then — durable across
 * restarts, with no timer of our own. A transient failure (GitHub 5xx, secondary rate limit,
 * network, a busy repository) retries with the contract's exponential backoff and jitter; one
 * that names a Retry-After (a rate limit) waits that long in the delayed set instead, without
 * spending an attempt. A permanent one sends `manifest.update_failed` with the fix and
 * dead-letters.
 */
export function buildManifestUpdater(deps: ManifestUpdaterDeps): Worker {
  const now = deps.now ?? Date.now;
  const state = new UpdateState(deps.redis, deps.prefix);
  const lockOptions = { ttlMs: deps.repoLockTtlMs ?? 60_000, waitMs: deps.repoLockWaitMs ?? 120_000 };
  // The worker is also the queue handle a held job is looked up through.
  const worker: Worker = createContractWorker(
    imageUpdatesQueue,
    async (job, { job: raw, logger }) => {
      const log = logger.child({ image: job.image, tag: job.tag, digest: job.digest, event: job.event });
      let outcomes: Awaited<ReturnType<typeof processImageEvent>>;
      try {
        outcomes = await processImageEvent(
          job,
          raw.timestamp,
          {
            policies: deps.policies,
            state,
            lock: (repo, work) =>
              withRepoLock(deps.redis, state.lockKey(repo), { ...lockOptions, logger: log }, work),
            notifications: deps.notifications,
            apply: { workDir: deps.workDir, gitHost: deps.gitHost },
            holdTimeoutMs: deps.holdTimeoutMs ?? 30 * 60_000,
            now,
            jobId: String(raw.id),
            wake: (id) => wakeHeld(worker, id),
          },
          log,
        );
      } catch (err) {
        return await failed(err, job, raw, log, deps.notifications, now);
      }
      logOutcomes(outcomes, log);
      const wakeAt = Math.min(...outcomes.flatMap((o) => ('wakeAt' in o ? [o.wakeAt] : [])));
      if (Number.isFinite(wakeAt)) {
        // Runs again at wakeAt: the hold's deadline or the end of minAge.
        await raw.moveToDelayed(wakeAt, raw.token);
        throw new DelayedError();
      }
      return outcomes.map((o) => ({ policy: o.policy, action: o.action }));
    },
    {
      connection: deps.connection,
      prefix: deps.prefix,
      logger: deps.logger,
      concurrency: deps.concurrency ?? 4,
      maxStalledCount: 5,
      ...(deps.lockDurationMs ? { lockDuration: deps.lockDurationMs } : {}),
      ...(deps.stalledIntervalMs ? { stalledInterval: deps.stalledIntervalMs } : {}),
    },
  );
  return worker;
}
