import type { Queue } from 'bullmq';
import type { PlannedJob } from '../fan-out.ts';

/** What became of one planned job, as its queue knows it. */
export interface JobOutcome {
  readonly job: PlannedJob;
  /** BullMQ's state (`completed`, `failed`, `waiting`, …) or `unknown` (removed or expired). */
  readonly state: string;
  readonly failedReason?: string;
  readonly attemptsMade?: number;
  /** What the worker returned (the run-scheduler: the object it created; the manifest-updater: the PR). */
  readonly result?: unknown;
}

/**
 * The part of a job's result that is this plan's: a runs job returns each of its delivery's runs
 * (`{ runs: [{ name, … }] }`), and a row shows its own.
 */
function resultFor(planned: PlannedJob, value: unknown): unknown {
  const runs = (value as { runs?: unknown }).runs;
  if (!Array.isArray(runs)) return value;
  return runs.find((r) => (r as { name?: unknown } | null)?.name === planned.name);
}

/** Each planned job's state and result, read from the queue its plan names. */
export async function jobOutcomes(
  queues: readonly Queue[],
  jobs: readonly PlannedJob[],
): Promise<JobOutcome[]> {
  return Promise.all(
    jobs.map(async (planned): Promise<JobOutcome> => {
      const queue = queues.find((q) => q.name === planned.queue);
      const job = queue ? await queue.getJob(planned.jobId) : undefined;
      if (!job) return { job: planned, state: 'unknown' };
      return {
        job: planned,
        state: await job.getState(),
        attemptsMade: job.attemptsMade,
        ...(job.failedReason ? { failedReason: job.failedReason } : {}),
        ...(job.returnvalue !== undefined && job.returnvalue !== null
          ? { result: resultFor(planned, job.returnvalue) }
          : {}),
      };
    }),
  );
}
