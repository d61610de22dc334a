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
  readonly runs: readonly RunJob[];
  readonly imageUpdates: readonly ImageUpdateJob[];
  readonly notifications: readonly NotificationJob[];
}

/** The outcome of a commit: stored now, or already accepted (within the dedup window) as `duplicateOf`. */
export type CommitResult = { readonly duplicateOf?: string };

/** The intake's Redis write, grouped across concurrent deliveries. */
export interface DeliveryStore {
  /**
   * Unless this delivery id was seen, stores its jobs and then its ledger record and marks it
   * seen; resolves once that is in Redis. A seen one changes nothing and names its event id.
   */
  commit(write: DurableWrite): Promise<CommitResult>;
  /** The verdicts a delivery got when it was accepted (duplicates answer with them); [] if gone. */
  verdictsOf(eventID: string): Promise<readonly StoredVerdict[]>;
}

/**
 * KEYS: addStandardJob's nine keys for runs, image updates and notifications, then the ledger
 * index. ARGV: ttl, trim?, max records, trim cutoff (ms), record key prefix, delivery count, then
 * per delivery: seen key, record key, by-delivery key, record JSON, body, has-body, event id,
 * received-at (ms), seen TTL, job count, and per job: queue (1-3), addStandardJob's three ARGV.
 *
 * Redis runs a script without interleaving, so a delivery is checked and written in one step:
 * two copies in one batch or two replicas cannot both pass the check. A script that fails half
 * way keeps what it wrote (Redis has no rollback), so jobs come before the record that marks the
 * delivery seen: a redelivery after a failure re-adds the same job ids (a no-op) and records it.
 */
const commitScript = `${addStandardJobLua}
local rcall = redis.call
local queues = {}
for q = 0, 2 do
  local k = {}
  for i = 1, 9 do k[i] = KEYS[q * 9 + i] end
  queues[q + 1] = k
end
local ttl = ARGV[1]
local out = {}
local p = 7
for d = 1, tonumber(ARGV[6]) do
  local jobs = tonumber(ARGV[p + 9])
  local prior = rcall('GET', ARGV[p])
  if prior then
    out[d] = prior
  else
    for j = 0, jobs - 1 do
      local a = p + 10 + j * 4
      local id = addStandardJob(queues[tonumber(ARGV[a])], {ARGV[a + 1], ARGV[a + 2], ARGV[a + 3]})
      if type(id) == 'number' and id < 0 then return redis.error_reply('addStandardJob failed with ' .. id) end
    end
    rcall('SET', ARGV[p + 1], ARGV[p + 3], 'EX', ttl)
    if ARGV[p + 5] == '1' then rcall('SET', ARGV[p + 1] .. ':body', ARGV[p + 4], 'EX', ttl) end
    rcall('SET', ARGV[p], ARGV[p + 6], 'EX', ARGV[p + 8])
    rcall('SET', ARGV[p + 2], ARGV[p + 6], 'EX', ttl)
    rcall('ZADD', KEYS[28], ARGV[p + 7], ARGV[p + 6])
    out[d] = ''
  end
  p = p + 10 + jobs * 4
end
if ARGV[2] == '1' then
  local old = rcall('ZRANGE', KEYS[28], 0, -tonumber(ARGV[3]) - 1)
  for _, id in ipairs(old) do rcall('UNLINK', ARGV[5] .. id, ARGV[5] .. id .. ':body') end
  if #old > 0 then rcall('ZREMRANGEBYRANK', KEYS[28], 0, #old - 1) end
  rcall('ZREMRANGEBYSCORE', KEYS[28], '-inf', ARGV[4])
end
return out`;

type CommitCommand = (numKeys: number, ...args: (string | number | Buffer)[]) => Promise<string[]>;

/**
 * Deliveries arriving together are written together: one script call per batch does, for each,
 * the dedup check, its jobs (BullMQ's own addStandardJob, so workers see exactly what Queue.add
 * would have written) and its ledger record. One round trip and one Redis command per batch,
 * where Queue.addBulk + the ledger took three round trips and ~75 µs of listener CPU per job.
 */
export function createDeliveryStore(deps: {
  redis: Redis;
  producers: Producers;
  ledger: Pick<
    DeliveryLedger,
    'summary' | 'recordKey' | 'seenKey' | 'byDeliveryKey' | 'indexKey' | 'seenSeconds' | 'options'
  >;
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
      let newest = 0;
      for (const { record, body, runs, imageUpdates, notifications } of writes) {
        const received = Date.parse(record.receivedAt);
        newest = Math.max(newest, received);
        args.push(
          ledger.seenKey(record.listener, record.deliveryId),
          ledger.recordKey(record.eventID),
          ledger.byDeliveryKey(record.deliveryId),
          JSON.stringify(record),
          body ?? '',
          body === undefined ? 0 : 1,
          record.eventID,
          received,
          ledger.seenSeconds(record.deliveryId),
          runs.length + imageUpdates.length + notifications.length,
        );
        for (const job of runs) args.push(1, ...deps.producers.runs.scripted.job(job, at).argv);
        for (const job of imageUpdates)
          args.push(2, ...deps.producers.imageUpdates.scripted.job(job, at).argv);
        for (const job of notifications)
          args.push(3, ...deps.producers.notifications.scripted.job(job, at).argv);
      }
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
        ledger.recordKey(''),
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
