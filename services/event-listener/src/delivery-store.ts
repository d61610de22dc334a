import { readFileSync } from 'node:fs';
import type {
  ImageUpdateJob,
  imageUpdatesQueue,
  NotificationJob,
  notificationsQueue,
  RunJob,
  runsQueue,
} from '@signalbox/contracts';
import { addStandardJobLua, type Producer } from '@signalbox/runtime';
import type { Redis } from 'ioredis';
import type { DeliveryLedger, LedgerEntry, StoredVerdict } from './delivery-ledger.ts';
import { microBatch } from './micro-batch.ts';

/** One producer per queue the listener feeds. */
export interface Producers {
  readonly runs: Producer<typeof runsQueue>;
  readonly imageUpdates: Producer<typeof imageUpdatesQueue>;
  readonly notifications: Producer<typeof notificationsQueue>;
}

/** What one delivery must have in Redis before it is acknowledged. */
export interface DurableWrite extends LedgerEntry {
  /**
   * SHA-256 (hex) of a GitHub delivery's signed body: remembered for the ledger's TTL beside the
   * delivery id, so the same body under another X-GitHub-Delivery is a duplicate. Absent for
   * Harbor (its delivery id already is the body hash) and for replays.
   */
  readonly bodyHash?: string;
  readonly runs: readonly RunJob[];
  readonly imageUpdates: readonly ImageUpdateJob[];
  readonly notifications: readonly NotificationJob[];
}

/** The outcome of a commit: stored now, or already accepted (within the dedup window) as `duplicateOf`. */
export type CommitResult = { readonly duplicateOf?: string };

/** The intake's Redis write, grouped across concurrent deliveries. */
export interface DeliveryStore {
  /**
   * Unless this delivery id (or, for GitHub, this signed body) was seen, stores its jobs and then its ledger record and marks it
   * seen; resolves once that is in Redis. A seen one changes nothing and names its event id.
   */
  commit(write: DurableWrite): Promise<CommitResult>;
  /** The verdicts a delivery got when it was accepted (duplicates answer with them); [] if gone. */
  verdictsOf(eventID: string): Promise<readonly StoredVerdict[]>;
}

/** The intake's commit script (its header names every key and argument), after BullMQ's addStandardJob. */
const commitScript = `${addStandardJobLua}\n${readFileSync(new URL('./lua/commit-deliveries.lua', import.meta.url), 'utf8')}`;

type CommitCommand = (numKeys: number, ...args: (string | number | Buffer)[]) => Promise<string[]>;

type StoreLedger = Pick<
  DeliveryLedger,
  | 'summary'
  | 'recordKey'
  | 'bodyKey'
  | 'trimLayout'
  | 'seenKey'
  | 'seenBodyKey'
  | 'byDeliveryKey'
  | 'indexKey'
  | 'seenSeconds'
  | 'options'
>;

/**
 * Appends each delivery's ARGV to `args` (its fields as JSON, its body, then its jobs tagged by
 * queue) and returns the newest receivedAt (ms), which bounds the ledger trim.
 */
function packBatch(
  writes: readonly DurableWrite[],
  at: number,
  ledger: StoreLedger,
  producers: Producers,
  args: (string | number | Buffer)[],
): number {
  let newest = 0;
  for (const { record, body, bodyHash, runs, imageUpdates, notifications } of writes) {
    const received = Date.parse(record.receivedAt);
    newest = Math.max(newest, received);
    // Binary-safe values (the body, BullMQ's packed job) stay separate ARGV; the rest is one
    // JSON object per delivery, so the script reads fields by name, not by offset.
    const fields = {
      seenKey: ledger.seenKey(record.listener, record.deliveryId),
      recordKey: ledger.recordKey(record.eventID),
      bodyKey: ledger.bodyKey(record.eventID),
      byDeliveryKey: ledger.byDeliveryKey(record.deliveryId),
      bodySeenKey: bodyHash ? ledger.seenBodyKey(record.listener, bodyHash) : '',
      record: JSON.stringify(record),
      hasBody: body !== undefined,
      eventID: record.eventID,
      receivedAt: String(received),
      seenTtl: String(ledger.seenSeconds(record.deliveryId)),
      jobs: runs.length + imageUpdates.length + notifications.length,
    };
    args.push(JSON.stringify(fields), body ?? '');
    for (const job of runs) args.push(1, ...producers.runs.scripted.job(job, at).argv);
    for (const job of imageUpdates) args.push(2, ...producers.imageUpdates.scripted.job(job, at).argv);
    for (const job of notifications) args.push(3, ...producers.notifications.scripted.job(job, at).argv);
  }
  return newest;
}

/**
 * Deliveries arriving together are written together: one script call per batch does, for each,
 * the dedup check, its jobs (BullMQ's own addStandardJob, so workers see exactly what Queue.add
 * would have written) and its ledger record. One round trip and one Redis command per batch,
 * where Queue.addBulk + the ledger took three round trips and ~75 µs of listener CPU per job.
 */
export function createDeliveryStore(deps: {
  redis: Redis;
  producers: Producers;
  ledger: StoreLedger;
}): DeliveryStore {
  const { ledger } = deps;
  deps.redis.defineCommand('signalboxCommitDeliveries', { lua: commitScript });
  const keys = [
    ...deps.producers.runs.scripted.keys,
    ...deps.producers.imageUpdates.scripted.keys,
    ...deps.producers.notifications.scripted.keys,
    ledger.indexKey,
  ];
  const command = (
    deps.redis as unknown as { signalboxCommitDeliveries: CommitCommand }
  ).signalboxCommitDeliveries.bind(deps.redis);
  let sinceTrim = 0;
  const commit = microBatch(
    async (writes: readonly DurableWrite[]) => {
      const { ttlSeconds, maxRecords, trimEvery = 64 } = ledger.options;
      const at = Date.now();
      const args: (string | number | Buffer)[] = [];
      const newest = packBatch(writes, at, ledger, deps.producers, args);
      sinceTrim += writes.length;
      const trim = sinceTrim >= trimEvery;
      if (trim) sinceTrim = 0;
      const out = await command(
        keys.length,
        ...keys,
        ttlSeconds,
        trim ? 1 : 0,
        maxRecords,
        newest - ttlSeconds * 1000,
        ledger.trimLayout.recordPrefix,
        ledger.trimLayout.bodySuffix,
        writes.length,
        ...args,
      );
      return out.map((prior): CommitResult => (prior ? { duplicateOf: prior } : {}));
    },
    { maxInFlight: 4 },
  );
  return {
    commit,
    verdictsOf: async (eventID) => (await ledger.summary(eventID))?.verdicts ?? [],
  };
}
