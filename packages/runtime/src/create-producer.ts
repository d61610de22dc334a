import type { PayloadOf, QueueContract } from '@signalbox/contracts';
import { type ConnectionOptions, Queue } from 'bullmq';
import type { Logger } from 'pino';
import { type ScriptedQueue, scriptedQueue } from './scripted-queue.ts';

/** Adds validated jobs to one declared queue. */
export interface Producer<C extends QueueContract> {
  /** Validates, then adds with the contract's deterministic id; re-adding an id is a no-op. Returns the id. */
  add(data: PayloadOf<C>): Promise<string>;
  addBulk(data: readonly PayloadOf<C>[]): Promise<string[]>;
  readonly queue: Queue;
  /** The same queue for scripts that add jobs in their own atomic step (see `scriptedQueue`). */
  readonly scripted: ScriptedQueue<C>;
  close(): Promise<void>;
}

/** A producer for `contract`. A payload that breaks the schema throws before anything is sent. */
export function createProducer<C extends QueueContract>(
  contract: C,
  options: {
    connection: ConnectionOptions;
    /** The installation's key prefix (BullMQ's default `bull` when empty); see `QueueContract.keyPrefix`. */
    prefix?: string;
    logger?: Logger;
  },
): Producer<C> {
  const queue = new Queue(contract.name, {
    connection: options.connection,
    prefix: contract.keyPrefix(options.prefix || 'bull'),
    defaultJobOptions: contract.defaultJobOptions,
  });
  // Without a listener BullMQ prints every reconnect attempt to stderr. An outage is already
  // logged by the connection (createRedis) and surfaces as a rejected add().
  queue.on('error', (err) =>
    options.logger?.debug({ queue: contract.name, err: err.message }, 'queue error'),
  );
  const prepare = (data: PayloadOf<C>) => {
    const parsed = contract.schema.parse(data) as PayloadOf<C>;
    return { name: contract.jobName, data: parsed, opts: { jobId: contract.jobId(parsed) } };
  };
  return {
    queue,
    scripted: scriptedQueue(contract, queue),
    async add(data) {
      const job = prepare(data);
      await queue.add(job.name, job.data, job.opts);
      return job.opts.jobId;
    },
    async addBulk(data) {
      const jobs = data.map(prepare);
      // One job: a single script call is cheaper than addBulk's transaction.
      if (jobs.length === 1 && jobs[0]) await queue.add(jobs[0].name, jobs[0].data, jobs[0].opts);
      else if (jobs.length > 1) await queue.addBulk(jobs);
      return jobs.map((j) => j.opts.jobId);
    },
    close: () => queue.close(),
  };
}
