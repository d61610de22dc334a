import type { Queue } from 'bullmq';

/** Which outside system a queue's worker talks to: what its failures are errors of. */
const systems: Record<string, string> = {
  'signalbox-runs': 'Kubernetes',
  'signalbox-image-updates': 'GitHub',
  'signalbox-notifications': 'Slack',
};

/** A failed job: retries spent or a permanent error (the dead-letter state of DESIGN.md). */
export interface DeadLetter {
  readonly queue: string;
  /** Kubernetes, GitHub or Slack: whose error `reason` is. */
  readonly system: string;
  readonly jobId: string;
  readonly name: string;
  readonly reason: string;
  readonly attemptsMade: number;
  readonly failedAt?: number;
  /** The delivery it came from (its correlation's event id), when the job carries one. */
  readonly eventId?: string;
}

/** The newest `perQueue` failed jobs of each queue, newest first. */
export async function listDeadLetters(queues: readonly Queue[], perQueue: number): Promise<DeadLetter[]> {
  const lists = await Promise.all(
    queues.map(async (queue) => {
      const jobs = await queue.getFailed(0, perQueue - 1);
      return jobs.map((job): DeadLetter => {
        const eventId = (job.data as { correlation?: { eventId?: unknown } } | undefined)?.correlation
          ?.eventId;
        return {
          queue: queue.name,
          system: systems[queue.name] ?? queue.name,
          jobId: String(job.id),
          name: job.name,
          reason: job.failedReason ?? '',
          attemptsMade: job.attemptsMade,
          ...(job.finishedOn ? { failedAt: job.finishedOn } : {}),
          ...(typeof eventId === 'string' ? { eventId } : {}),
        };
      });
    }),
  );
  return lists.flat().sort((a, b) => (b.failedAt ?? 0) - (a.failedAt ?? 0));
}

/**
 * Sends a failed job back to its queue (BullMQ's retry: attempts start over). False when the job
 * is not there or no longer failed (someone retried it already).
 */
export async function retryDeadLetter(
  queues: readonly Queue[],
  queueName: string,
  jobId: string,
): Promise<boolean> {
  const queue = queues.find((q) => q.name === queueName);
  const job = queue ? await queue.getJob(jobId) : undefined;
  if (!job || (await job.getState()) !== 'failed') return false;
  await job.retry('failed');
  return true;
}
