import type { PayloadOf, QueueContract } from '@signalbox/contracts';
import { isNotConnectionError, type Job, UnrecoverableError, Worker, type WorkerOptions } from 'bullmq';
import type { Logger } from 'pino';
import { PermanentError } from './permanent-error.ts';

export interface JobContext {
  readonly job: Job;
  /** Child logger carrying the job id and the correlation's event id. */
  readonly logger: Logger;
}

/** How long `close()` waits to learn whether Redis is reachable. */
const probeMs = 250;

/**
 * A Worker whose graceful close does not wait forever for an unreachable Redis. BullMQ's graceful
 * close waits for its fetch loop, which waits for Redis; with Redis gone, an in-flight job could not
 * be completed anyway (its lock expires and the job is retried — deterministic ids and names make
 * the repeat a no-op), so the worker closes at once instead of holding shutdown to its timeout.
 */
class ContractWorker extends Worker {
  onForcedClose: () => void = () => {};

  override async close(force = false): Promise<void> {
    if (!force && !(await this.redisReady())) {
      this.onForcedClose();
      return super.close(true);
    }
    return super.close(force);
  }

  private async redisReady(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), probeMs);
    });
    const client = await Promise.race([this.backend.client.catch(() => undefined), timedOut]);
    clearTimeout(timer);
    return client?.status === 'ready';
  }
}

/**
 * A BullMQ worker for one declared queue. Every job is validated against the contract before the
 * processor sees it: a malformed job fails permanently (it would fail the same way on every
 * retry). A `PermanentError` from the processor also fails at once; any other error is retried
 * with the contract's backoff. Each failure is logged once, with the job id.
 */
export function createContractWorker<C extends QueueContract, R>(
  contract: C,
  processor: (data: PayloadOf<C>, ctx: JobContext) => Promise<R>,
  options: Omit<WorkerOptions, 'connection' | 'prefix'> & {
    connection: WorkerOptions['connection'];
    prefix?: string;
    logger: Logger;
  },
): Worker {
  const { logger, prefix, ...workerOptions } = options;
  const worker = new ContractWorker(
    contract.name,
    async (job: Job) => {
      const parsed = contract.schema.safeParse(job.data);
      if (!parsed.success) {
        const detail = parsed.error.issues
          .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
          .join('; ');
        throw new UnrecoverableError(`invalid ${contract.name} job payload: ${detail}`);
      }
      try {
        // The child logger only when the processor asks for it: pino's child() recompiles its
        // redaction each time, a measurable cost per job at a thousand jobs a second.
        let log: Logger | undefined;
        const context: JobContext = {
          job,
          get logger() {
            log ??= logger.child({ queue: contract.name, jobId: job.id });
            return log;
          },
        };
        return await processor(parsed.data as PayloadOf<C>, context);
      } catch (err) {
        if (err instanceof PermanentError) throw new UnrecoverableError(`${err.code}: ${err.message}`);
        throw err;
      }
    },
    { ...workerOptions, prefix: contract.keyPrefix(prefix || 'bull') },
  );
  worker.on('failed', (job, err) => {
    const attempts = job?.opts.attempts ?? 1;
    const final = err instanceof UnrecoverableError || (job?.attemptsMade ?? 0) >= attempts;
    logger[final ? 'error' : 'warn'](
      { queue: contract.name, jobId: job?.id, attemptsMade: job?.attemptsMade, err: err.message },
      final ? 'job failed permanently (dead-lettered)' : 'job failed, will retry',
    );
  });
  worker.onForcedClose = () =>
    logger.warn(
      { queue: contract.name },
      'redis unreachable at shutdown: closing without waiting; jobs in flight are retried once their lock expires',
    );
  worker.on('error', (err) => {
    // A lost connection is logged by the connection itself (createRedis) and shown by /readyz;
    // repeating it here at error level for every reconnect attempt would drown the real errors.
    const level = isNotConnectionError(err) ? 'error' : 'debug';
    logger[level]({ queue: contract.name, err: err.message }, 'worker error');
  });
  return worker;
}
