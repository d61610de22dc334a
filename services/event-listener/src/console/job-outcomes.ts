import { runFailureIn } from '@signalbox/contracts';
import type { Job, Queue } from 'bullmq';
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

/**
 * A row's own state, where its job holds more than this row: a failed runs job names each run it
 * could not create (`runFailureIn`), so a run it does not name was created (`completed`, as when
 * the whole job succeeds), and a run it names shows its own part of the error.
 */
function stateFor(planned: PlannedJob, state: string, failedReason: string | undefined) {
  if (state !== 'failed' || !failedReason || !planned.name) return { state, failedReason };
  const own = runFailureIn(failedReason, planned.name);
  if (own === null) return { state, failedReason };
  return own === undefined ? { state: 'completed' } : { state, failedReason: own };
}

/**
 * Each planned job's state and result, read from the queue its plan names: each job once, though
 * a delivery's runs share one.
 */
export async function jobOutcomes(
  queues: readonly Queue[],
  jobs: readonly PlannedJob[],
): Promise<JobOutcome[]> {
  const read = new Map<string, Promise<{ job: Job; state: string } | undefined>>();
  const readJob = (planned: PlannedJob) => {
    const key = `${planned.queue}\u0000${planned.jobId}`;
    let reading = read.get(key);
    if (!reading) {
      const queue = queues.find((q) => q.name === planned.queue);
      reading = (async () => {
        const job = queue ? await queue.getJob(planned.jobId) : undefined;
        return job ? { job, state: await job.getState() } : undefined;
      })();
      read.set(key, reading);
    }
    return reading;
  };
  return Promise.all(
    jobs.map(async (planned): Promise<JobOutcome> => {
      const found = await readJob(planned);
      if (!found) return { job: planned, state: 'unknown' };
      const { job } = found;
      const { state, failedReason } = stateFor(planned, found.state, job.failedReason || undefined);
      return {
        job: planned,
        state,
        attemptsMade: job.attemptsMade,
        ...(failedReason ? { failedReason } : {}),
        ...(job.returnvalue !== undefined && job.returnvalue !== null
          ? { result: resultFor(planned, job.returnvalue) }
          : {}),
      };
    }),
  );
}
