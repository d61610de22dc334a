import { createRequire } from 'node:module';
import type { PayloadOf, QueueContract } from '@signalbox/contracts';
import { optsEncodeMap, type Queue } from 'bullmq';
import { Packr } from 'msgpackr';

const { addStandardJob } = createRequire(import.meta.url)('bullmq/dist/cjs/scripts/addStandardJob-9.js') as {
  addStandardJob: { content: string };
};

/**
 * BullMQ's own `addStandardJob` script (the one `Queue.add` runs, from the installed bullmq) as a
 * Lua function `addStandardJob(KEYS, ARGV)`, for scripts of ours that add jobs in the same atomic
 * step as other writes. Its KEYS/ARGV contract is the one BullMQ's clients in every language
 * share; `packages/runtime/test/scripted-queue.int.test.ts` fails if an upgrade changes it.
 */
export const addStandardJobLua = `local function addStandardJob(KEYS, ARGV)\n${addStandardJob.content}\nend\n`;

// BullMQ's own packing settings: Lua's cmsgpack cannot read msgpackr's records or undefined.
const packer = new Packr({ useRecords: false, encodeUndefinedAsNil: true });

/** One job as `addStandardJob`'s ARGV: packed arguments, JSON data, packed options. */
export type ScriptedJob = readonly [args: Buffer, data: string, opts: Buffer];

/** What a Lua script needs to add jobs to one declared queue exactly as `Queue.add` would. */
export interface ScriptedQueue<C extends QueueContract> {
  /** `addStandardJob`'s nine KEYS for this queue, in its order. */
  readonly keys: readonly string[];
  /**
   * A validated payload as `addStandardJob`'s ARGV, with the contract's deterministic id and the
   * queue's default options (re-adding the id is a no-op, as with `Queue.add`).
   */
  job(data: PayloadOf<C>, timestamp: number): { jobId: string; argv: ScriptedJob };
}

/**
 * `Queue.add` costs ~75 µs of Node CPU per job even in bulk (Job objects, option validation,
 * one script call each); the event-listener adds jobs inside its own per-batch script instead,
 * so the job encoding below mirrors BullMQ's `addJobToTransaction` for a standard job (no parent,
 * delay, priority, deduplication or repeat — the contracts use none of them).
 */
export function scriptedQueue<C extends QueueContract>(contract: C, queue: Queue): ScriptedQueue<C> {
  const k = queue.keys;
  const keys = [k.wait, k.paused, k.meta, k.id, k.completed, k.delayed, k.active, k.events, k.marker].map(
    (key) => {
      if (key === undefined) throw new Error(`bullmq ${queue.name}: a queue key is missing`);
      return key;
    },
  );
  const jobKeyPrefix = k[''];
  if (jobKeyPrefix === undefined) throw new Error(`bullmq ${queue.name}: no job key prefix`);
  // Job's constructor: attempts defaults to 0, then the queue's default options apply.
  const base: Record<string, unknown> = { attempts: 0, ...queue.defaultJobOptions };
  const encoded: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(base)) {
    if (value === undefined) continue;
    encoded[(optsEncodeMap as Record<string, string>)[name] ?? name] = value;
  }
  return {
    keys,
    job(data, timestamp) {
      const jobId = contract.jobId(data);
      const args = [
        jobKeyPrefix,
        jobId,
        contract.jobName,
        timestamp,
        null,
        null,
        undefined,
        undefined,
        null,
        null,
      ];
      return {
        jobId,
        argv: [packer.pack(args), JSON.stringify(data), packer.pack({ ...encoded, jobId })],
      };
    },
  };
}
