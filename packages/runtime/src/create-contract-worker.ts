import type { PayloadOf, QueueContract } from '@signalbox/contracts';
import { type Job, UnrecoverableError, Worker, type WorkerOptions } from 'bullmq';
import type { Logger } from 'pino';
import { PermanentError } from './permanent-error.ts';

export interface JobContext {
  readonly job: Job;
  /** Child logger carrying the job id and the correlation's event id. */
  readonly logger: Logger;
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
  const worker = new Worker(
    contract.name,
    async (job: Job) => {
      const parsed = contract.schema.safeParse(job.data);
      const log = logger.child({ queue: contract.name, jobId: job.id });
      if (!parsed.success) {
        const detail = parsed.error.issues
          .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
          .join('; ');
        throw new UnrecoverableError(`invalid ${contract.name} job payload: ${detail}`);
      }
      try {
        return await processor(parsed.data as PayloadOf<C>, { job, logger: log });
      } catch (err) {
        if (err instanceof PermanentError) throw new UnrecoverableError(`${err.code}: ${err.message}`);
        throw err;
      }
    },
    { ...workerOptions, ...(prefix ? { prefix } : {}) },
  );
  worker.on('failed', (job, err) => {
    const attempts = job?.opts.attempts ?? 1;
    const final = err instanceof UnrecoverableError || (job?.attemptsMade ?? 0) >= attempts;
    logger[final ? 'error' : 'warn'](
      { queue: contract.name, jobId: job?.id, attemptsMade: job?.attemptsMade, err: err.message },
      final ? 'job failed permanently (dead-lettered)' : 'job failed, will retry',
    );
  });
  worker.on('error', (err) => logger.error({ queue: contract.name, err: err.message }, 'worker error'));
  return worker;
}
