import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

/** A queue's depth by state and its throughput over the last minute. */
export interface QueueStats {
  readonly name: string;
  readonly counts: Record<string, number>;
  /** Jobs completed in the last 60 s. */
  readonly completedPerMinute: number;
  /** Jobs failed for good in the last 60 s. */
  readonly failedPerMinute: number;
}

const states = ['waiting', 'prioritized', 'active', 'delayed', 'failed', 'completed'] as const;

/**
 * Depth and rates per queue. Rates come from BullMQ's own finished sets, which are ordered by
 * finish time, so a count by score answers them without worker-side metrics (jobs removed on
 * completion by a retention rule are not counted). `redis` is the connection the queues use.
 */
export async function queueStats(redis: Redis, queues: readonly Queue[], now: number): Promise<QueueStats[]> {
  return Promise.all(
    queues.map(async (queue) => {
      const [counts, completed, failed] = await Promise.all([
        queue.getJobCounts(...states),
        redis.zcount(queue.toKey('completed'), now - 60_000, '+inf'),
        redis.zcount(queue.toKey('failed'), now - 60_000, '+inf'),
      ]);
      return { name: queue.name, counts, completedPerMinute: completed, failedPerMinute: failed };
    }),
  );
}
