import { imageUpdatesQueue, notificationsQueue, runsQueue } from '@signalbox/contracts';
import { connectRedisOnce, readConfig } from '@signalbox/runtime';
import { Queue } from 'bullmq';
import type { Command } from 'commander';

/**
 * Dead-lettered = failed for good (permanent error, or attempts used up), kept in the failed set.
 * A Redis that cannot be reached fails the command within 5 s with one line and exit 1.
 */
async function withQueues(fn: (queues: Queue[]) => Promise<void>): Promise<void> {
  let queues: Queue[] = [];
  let connection: Awaited<ReturnType<typeof connectRedisOnce>> | undefined;
  try {
    const config = readConfig(process.env);
    connection = await connectRedisOnce(config.redis, { name: 'signalbox-cli' });
    const shared = connection;
    queues = [runsQueue, imageUpdatesQueue, notificationsQueue].map((c) => {
      const queue = new Queue(c.name, { connection: shared, prefix: c.keyPrefix(config.queuePrefix) });
      // BullMQ prints a queue's errors as stack traces unless someone listens; a failed command
      // reports its error once, below.
      queue.on('error', () => {});
      return queue;
    });
    await fn(queues);
  } catch (err) {
    process.stderr.write(`signalbox dlq: ${(err as Error).message}\n`);
    process.exitCode = 1;
  } finally {
    await Promise.all(queues.map((q) => q.close().catch(() => {})));
    connection?.disconnect();
  }
}

/** `signalbox dlq list|retry JOB_ID`. */
export function registerDlq(program: Command): void {
  const dlq = program
    .command('dlq')
    .description('dead-lettered jobs (permanent failures and exhausted retries)');
  dlq
    .command('list')
    .description('list dead-lettered jobs: queue, job id, attempts, failed at, reason')
    .option('--json', 'one JSON object a line')
    .action(async (opts: { json?: boolean }) => {
      await withQueues(async (queues) => {
        let count = 0;
        for (const queue of queues) {
          for (const job of await queue.getFailed(0, 999)) {
            count++;
            const row = {
              queue: queue.name,
              jobId: job.id,
              attempts: job.attemptsMade,
              failedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
              reason: job.failedReason,
            };
            process.stdout.write(
              opts.json
                ? `${JSON.stringify(row)}\n`
                : `${row.queue}\t${row.jobId}\t${row.attempts}\t${row.failedAt}\t${row.reason}\n`,
            );
          }
        }
        if (!opts.json) process.stderr.write(`${count} dead-lettered job(s)\n`);
      });
    });
  dlq
    .command('retry')
    .description(
      'move a dead-lettered job back to its queue with a fresh attempt budget (same id: a run it created is not created twice)',
    )
    .argument('<jobId>')
    .action(async (jobId: string) => {
      await withQueues(async (queues) => {
        for (const queue of queues) {
          const job = await queue.getJob(jobId);
          if (!job) continue;
          if (!(await job.isFailed())) {
            process.stderr.write(
              `job ${jobId} in ${queue.name} is ${await job.getState()}, not dead-lettered\n`,
            );
            process.exitCode = 1;
            return;
          }
          // A fresh attempt budget: a job dead-lettered after exhausting its retries would
          // otherwise fail for good on its first new failure.
          await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
          process.stdout.write(`${queue.name}\t${jobId}\tretried\n`);
          return;
        }
        process.stderr.write(`no job ${jobId} in any queue\n`);
        process.exitCode = 1;
      });
    });
}
