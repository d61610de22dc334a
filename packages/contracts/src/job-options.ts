import type { JobsOptions } from 'bullmq';

/**
 * Deliberate defaults for every queue: a handful of attempts with exponential backoff (jitter is
 * added by BullMQ's `jitter` option, so a burst of failures does not retry in lockstep), and
 * bounded retention so Redis does not grow without end while failures stay inspectable.
 */
export const defaultJobOptions: Readonly<JobsOptions> = Object.freeze({
  attempts: 8,
  backoff: { type: 'exponential', delay: 1_000, jitter: 0.5 },
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 50_000 },
});
