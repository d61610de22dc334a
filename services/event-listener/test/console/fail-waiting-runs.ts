import { type RunsJob, runsQueue } from '@signalbox/contracts';
import { createRedis } from '@signalbox/runtime';
import type { Queue } from 'bullmq';
import { UnrecoverableError, Worker } from 'bullmq';

/**
 * Plays a cluster that refuses every run: a worker on the runs queue fails each job for good with
 * `reason` (or what it gives for the job's runs) until `count` jobs are failed, then stops. What is
 * left are dead letters.
 */
export async function failWaitingRuns(options: {
  redisUrl: string;
  prefix: string;
  runs: Queue;
  reason: string | ((runs: RunsJob['runs']) => string);
  count: number;
}): Promise<void> {
  const connection = createRedis(options.redisUrl, { forWorker: true });
  const worker = new Worker(
    runsQueue.name,
    async (job) => {
      const { reason } = options;
      throw new UnrecoverableError(typeof reason === 'string' ? reason : reason((job.data as RunsJob).runs));
    },
    { connection, prefix: runsQueue.keyPrefix(options.prefix) },
  );
  try {
    while ((await options.runs.getFailedCount()) < options.count) await new Promise((r) => setTimeout(r, 20));
  } finally {
    await worker.close();
    connection.disconnect();
  }
}
