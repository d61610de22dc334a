import { type notificationsQueue, runsQueue } from '@signalbox/contracts';
import { createContractWorker, PermanentError, type Producer } from '@signalbox/runtime';
import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { classifyKubeError } from './classify-error.ts';
import type { ConcurrencyGroups } from './concurrency-groups.ts';
import { createRun } from './create-run.ts';
import type { RunBackend } from './run-backend.ts';

export interface RunSchedulerDeps {
  readonly connection: Redis;
  readonly prefix: string;
  readonly backend: RunBackend;
  readonly groups?: ConcurrencyGroups;
  readonly notifications: Producer<typeof notificationsQueue>;
  readonly logger: Logger;
  readonly concurrency?: number;
  /** Base of the exponential backoff (ms); Retry-After from the API wins when it is longer. */
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
  /** How soon a crashed worker's job is taken over (BullMQ lock; default 30 s). */
  readonly lockDurationMs?: number;
  readonly stalledIntervalMs?: number;
}

class TransientKubeError extends Error {
  readonly retryAfterMs: number | undefined;
  constructor(message: string, retryAfterMs: number | undefined) {
    super(message);
    this.name = 'TransientKubeError';
    this.retryAfterMs = retryAfterMs;
  }
}

/**
 * The runs-queue worker (un-started until `worker.run()` is implied by BullMQ's autorun): creates
 * each object exactly once; a transient API failure retries with exponential backoff and jitter
 * (never sooner than Retry-After); a permanent one is dead-lettered after that single attempt,
 * with a `run.failed_to_create` notification carrying the API's message.
 */
export function buildRunScheduler(deps: RunSchedulerDeps): Worker {
  const base = deps.backoffBaseMs ?? 1_000;
  const max = deps.backoffMaxMs ?? 5 * 60_000;
  return createContractWorker(
    runsQueue,
    async (job, { logger }) => {
      try {
        const result = await createRun(job, {
          backend: deps.backend,
          ...(deps.groups ? { groups: deps.groups } : {}),
        });
        logger.info(
          { ...result, eventId: job.correlation.eventId, trigger: job.correlation.trigger },
          result.created ? 'run created' : 'run already existed (repeat)',
        );
        return result;
      } catch (err) {
        const c = classifyKubeError(err);
        if (!c.permanent) {
          logger.warn(
            { status: c.status, reason: c.message, retryAfterMs: c.retryAfterMs },
            'create failed, will retry',
          );
          throw new TransientKubeError(c.message, c.retryAfterMs);
        }
        const kind = String((job.resource as { kind?: unknown }).kind);
        await deps.notifications.add({
          kind: 'run.failed_to_create',
          key: `${job.correlation.eventId}/${job.correlation.trigger}/${job.index}`,
          correlation: job.correlation,
          data: { status: c.status ?? null, message: c.message, kind, namespace: job.namespace },
          occurredAt: new Date().toISOString(),
        });
        throw new PermanentError(`KUBE_${c.status ?? 'ERROR'}`, c.message, { cause: err });
      }
    },
    {
      connection: deps.connection,
      prefix: deps.prefix,
      logger: deps.logger,
      concurrency: deps.concurrency ?? 8,
      ...(deps.lockDurationMs ? { lockDuration: deps.lockDurationMs } : {}),
      ...(deps.stalledIntervalMs ? { stalledInterval: deps.stalledIntervalMs } : {}),
      settings: {
        backoffStrategy: (attemptsMade: number, _type?: string, err?: Error) => {
          const exp = Math.min(max, base * 2 ** Math.max(0, attemptsMade - 1));
          const jittered = exp / 2 + Math.random() * (exp / 2);
          const retryAfter = err instanceof TransientKubeError ? (err.retryAfterMs ?? 0) : 0;
          return Math.max(jittered, retryAfter);
        },
      },
    },
  );
}
