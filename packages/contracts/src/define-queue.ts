import type { JobsOptions } from 'bullmq';
import type { z } from 'zod';

/**
 * One queue, declared once: producers and workers are built from this, so a payload drift is a
 * compile error and a malformed job is rejected when it is read.
 */
export interface QueueContract<Name extends string = string, Schema extends z.ZodType = z.ZodType> {
  /** BullMQ queue name (no `:`; the key prefix is set per connection). */
  readonly name: string;
  /** The one job name this queue carries. */
  readonly jobName: Name;
  readonly schema: Schema;
  readonly defaultJobOptions: Readonly<JobsOptions>;
  /** Deterministic job id: re-adding the same work (a redelivery, a retried request) is a no-op. */
  jobId(data: z.infer<Schema>): string;
  /**
   * BullMQ's key prefix for this queue under an installation's prefix: `<prefix>:{<name>}`, so
   * every key of the queue (`<prefix>:{<name>}:<name>:wait`, its jobs, locks, events) carries the
   * queue's own hash tag. BullMQ's scripts touch several keys of one queue at once; on Redis
   * Cluster they must share a slot, while different queues land on different shards.
   */
  keyPrefix(installPrefix: string): string;
}

export type PayloadOf<C> = C extends QueueContract<string, infer S> ? z.infer<S> : never;

/** Declares a queue contract; the identity function exists for inference. */
export function defineQueue<Name extends string, Schema extends z.ZodType>(
  contract: Omit<QueueContract<Name, Schema>, 'keyPrefix'>,
): QueueContract<Name, Schema> {
  return Object.freeze({
    ...contract,
    keyPrefix: (installPrefix: string) => `${installPrefix}:{${contract.name}}`,
  });
}
