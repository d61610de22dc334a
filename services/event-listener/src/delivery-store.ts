import { randomUUID } from 'node:crypto';
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
import type { DeliveryLedger, DeliveryRecord, LedgerEntry, StoredVerdict } from './delivery-ledger.ts';
import { microBatch } from './micro-batch.ts';
import { createRefusalLog, type Refusal } from './refusal-log.ts';

/**
 * How long a Cluster intake claim holds a delivery (ms): shorter than the ack deadline, so a
 * listener that died holding one delays a redelivery by this at most.
 */
const claimMs = 2_000;

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

/**
 * Replicas a delivery's writes must reach before it is acknowledged: Redis replicates
 * asynchronously, and a write only the primary had is gone once a replica is promoted in its place.
 */
export interface Replication {
  /** Replicas `WAIT` must count (0: do not wait). */
  readonly replicas: number;
  /** `WAIT`'s timeout (ms), within the listener's ack deadline. */
  readonly timeoutMs: number;
}

/** Writes reached the primary but not enough replicas within the timeout: answer 503, do not acknowledge. */
export class NotReplicatedError extends Error {
  readonly code = 'REDIS_NOT_REPLICATED';
  constructor(acked: number, wanted: number) {
    super(`the delivery reached ${acked} of ${wanted} Redis replicas in time`);
    this.name = 'NotReplicatedError';
  }
}

/** The intake's Redis write, grouped across concurrent deliveries. */
export interface DeliveryStore {
  /**
   * Unless this delivery id (or, for GitHub, this signed body) was seen, stores its jobs and then its ledger record and marks it
   * seen; resolves once that is in Redis. A seen one changes nothing and names its event id.
   */
  commit(write: DurableWrite): Promise<CommitResult>;
  /**
   * Records a copy of an accepted delivery — a small record under an id of its own naming `prior`,
   * no body, no verdicts — and reads the verdicts `prior` got (duplicates answer with them; [] if
   * gone), in one round trip. Only copies pay it: the accepted path's commit is unchanged.
   */
  duplicate(write: DurableWrite, prior: string): Promise<readonly StoredVerdict[]>;
  /** Records a refused request in the ledger's capped refusals (`createRefusalLog`). */
  refuse(refusal: Refusal): Promise<void>;
}

const lua = (name: string) => readFileSync(new URL(`./lua/${name}.lua`, import.meta.url), 'utf8');
const ledgerWrite = lua('ledger-write');
/** The intake's scripts (each file's header names every key and argument). */
const scripts = {
  commit: `${addStandardJobLua}\n${ledgerWrite}\n${lua('commit-deliveries')}`,
  claim: `${ledgerWrite}\n${lua('claim-deliveries')}`,
  addJobs: `${addStandardJobLua}\n${lua('add-jobs')}`,
  record: `${ledgerWrite}\n${lua('record-deliveries')}`,
};

type Arg = string | number | Buffer;
type Scripted = (numKeys: number, ...args: Arg[]) => unknown;
type Pipeline = { exec(): Promise<[Error | null, unknown][] | null> } & Record<string, Scripted>;

type StoreLedger = Pick<
  DeliveryLedger,
  | 'recordKey'
  | 'bodyKey'
  | 'trimLayout'
  | 'seenKey'
  | 'seenBodyKey'
  | 'claimKey'
  | 'byDeliveryKey'
  | 'indexKey'
  | 'seenSeconds'
  | 'refusalsKey'
  | 'options'
>;

/** What the ledger keeps of a copy: who sent it and when, and the event id it repeats. */
function duplicateRecord(
  record: DurableWrite['record'],
  eventID: string,
  prior: string,
): Omit<DeliveryRecord, 'body'> {
  const { deliveryId, listener, receivedAt, contentType, headers, bodyBytes } = record;
  const about = { repo: record.repo, sha: record.sha, image: record.image, tag: record.tag };
  return {
    eventID,
    deliveryId,
    listener,
    receivedAt,
    contentType,
    headers,
    bodyBytes,
    ...Object.fromEntries(Object.entries(about).filter(([, v]) => v !== undefined)),
    verdicts: [],
    jobIds: [],
    duplicateOf: prior,
  };
}

/** One delivery's fields for the scripts (read by name, not by offset). */
function deliveryFields(write: DurableWrite, ledger: StoreLedger) {
  const { record, bodyHash } = write;
  return {
    seenKey: ledger.seenKey(record.listener, record.deliveryId),
    claimKey: ledger.claimKey(record.listener, record.deliveryId),
    recordKey: ledger.recordKey(record.eventID),
    bodyKey: ledger.bodyKey(record.eventID),
    byDeliveryKey: ledger.byDeliveryKey(record.deliveryId),
    bodySeenKey: bodyHash ? ledger.seenBodyKey(record.listener, bodyHash) : '',
    record: JSON.stringify(record),
    hasBody: write.body !== undefined,
    eventID: record.eventID,
    receivedAt: String(Date.parse(record.receivedAt)),
    seenTtl: String(ledger.seenSeconds(record.deliveryId)),
    // The runs go as one job (see `runsQueue`).
    jobs: Math.min(write.runs.length, 1) + write.imageUpdates.length + write.notifications.length,
  };
}

/** Each queue's jobs of `writes` as addStandardJob ARGV, in queue order runs, image updates, notifications. */
function queueJobs(writes: readonly DurableWrite[], producers: Producers, at: number): Arg[][] {
  const out: Arg[][] = [[], [], []];
  for (const w of writes) {
    if (w.runs.length > 0) out[0]?.push(...producers.runs.scripted.job({ runs: [...w.runs] }, at).argv);
    for (const job of w.imageUpdates) out[1]?.push(...producers.imageUpdates.scripted.job(job, at).argv);
    for (const job of w.notifications) out[2]?.push(...producers.notifications.scripted.job(job, at).argv);
  }
  return out;
}

/**
 * Appends each delivery's ARGV to `args` (its fields as JSON, its body, then its jobs tagged by
 * queue) and returns the newest receivedAt (ms), which bounds the ledger trim.
 */
function packBatch(
  writes: readonly DurableWrite[],
  at: number,
  ledger: StoreLedger,
  producers: Producers,
  args: Arg[],
): number {
  let newest = 0;
  for (const write of writes) {
    const fields = deliveryFields(write, ledger);
    newest = Math.max(newest, Number(fields.receivedAt));
    // Binary-safe values (the body, BullMQ's packed job) stay separate ARGV.
    args.push(JSON.stringify(fields), write.body ?? '');
    if (write.runs.length > 0)
      args.push(1, ...producers.runs.scripted.job({ runs: [...write.runs] }, at).argv);
    for (const job of write.imageUpdates) args.push(2, ...producers.imageUpdates.scripted.job(job, at).argv);
    for (const job of write.notifications)
      args.push(3, ...producers.notifications.scripted.job(job, at).argv);
  }
  return newest;
}

/** The ledger's trim arguments (ARGV[1..6] of the commit and record scripts). */
function trimArgs(ledger: StoreLedger, trim: boolean, newest: number): Arg[] {
  const { ttlSeconds, maxRecords } = ledger.options;
  return [
    ttlSeconds,
    trim ? 1 : 0,
    maxRecords,
    newest - ttlSeconds * 1000,
    ledger.trimLayout.recordPrefix,
    ledger.trimLayout.bodySuffix,
  ];
}

/**
 * Runs one script and, when replicas are required, `WAIT` right behind it in the same pipeline:
 * one round trip, and on Cluster the pipeline goes to the node owning the script's slot, so `WAIT`
 * counts exactly that node's replicas for the writes this connection just made.
 */
async function runReplicated(
  redis: Redis,
  script: string,
  args: Arg[],
  numKeys: number,
  replication: Replication,
): Promise<unknown> {
  if (replication.replicas === 0)
    return (redis as unknown as Record<string, Scripted>)[script]?.(numKeys, ...args);
  const pipeline = redis.pipeline() as unknown as Pipeline;
  (pipeline[script] as Scripted)(numKeys, ...args);
  if (replication.replicas > 0) (pipeline.wait as Scripted)(replication.replicas, replication.timeoutMs);
  const replies = (await pipeline.exec()) ?? [];
  const [scriptErr, result] = replies[0] ?? [new Error('no reply'), undefined];
  if (scriptErr) throw scriptErr;
  if (replication.replicas > 0) {
    const [waitErr, acked] = replies[1] ?? [new Error('no reply'), 0];
    if (waitErr) throw waitErr;
    if (Number(acked) < replication.replicas)
      throw new NotReplicatedError(Number(acked), replication.replicas);
  }
  return result;
}

type BatchResult = CommitResult & { readonly busy?: boolean };

/** What both commit paths work with, built once per store. */
interface CommitContext {
  readonly redis: Redis;
  readonly producers: Producers;
  readonly ledger: StoreLedger;
  readonly replication: Replication;
  /** Each queue's addStandardJob keys: runs, image updates, notifications. */
  readonly queueKeys: readonly (readonly string[])[];
  /** Whether this many more records make a ledger trim due (every `trimEvery`). */
  readonly trimDue: (records: number) => boolean;
}

/** Standalone and Sentinel: the whole batch in one `commit-deliveries.lua` call. */
async function commitOneScript(ctx: CommitContext, writes: readonly DurableWrite[]): Promise<BatchResult[]> {
  const { ledger } = ctx;
  const keys = [...ctx.queueKeys.flat(), ledger.indexKey];
  const args: Arg[] = [];
  const newest = packBatch(writes, Date.now(), ledger, ctx.producers, args);
  const head = [...trimArgs(ledger, ctx.trimDue(writes.length), newest), writes.length];
  const out = (await runReplicated(
    ctx.redis,
    'signalboxCommitDeliveries',
    [...keys, ...head, ...args],
    keys.length,
    ctx.replication,
  )) as string[];
  return out.map((prior) => (prior ? { duplicateOf: prior } : {}));
}

/** Cluster: claim (ledger slot), the jobs (one call per queue slot), then the records (ledger slot). */
async function commitInSlots(ctx: CommitContext, writes: readonly DurableWrite[]): Promise<BatchResult[]> {
  const { redis, ledger, replication } = ctx;
  const fields = writes.map((w) => deliveryFields(w, ledger));
  // Replicated too: a duplicate found here is answered 202 only once its original is on a replica.
  const claims = (await runReplicated(
    redis,
    'signalboxClaimDeliveries',
    [
      ledger.indexKey,
      claimMs,
      randomUUID(),
      ...fields.map((f) =>
        JSON.stringify({ seenKey: f.seenKey, bodySeenKey: f.bodySeenKey, claimKey: f.claimKey }),
      ),
    ],
    1,
    replication,
  )) as string[];
  const fresh = writes.flatMap((write, i) => (claims[i] === '' ? [{ write, fields: fields[i] }] : []));
  if (fresh.length > 0) {
    try {
      const jobs = queueJobs(
        fresh.map((f) => f.write),
        ctx.producers,
        Date.now(),
      );
      await Promise.all(
        jobs.map((argv, q) =>
          argv.length === 0
            ? undefined
            : runReplicated(
                redis,
                'signalboxAddJobs',
                [...(ctx.queueKeys[q] ?? []), ...argv],
                9,
                replication,
              ),
        ),
      );
      const newest = Math.max(...fresh.map((f) => Number(f.fields?.receivedAt)));
      const args: Arg[] = [];
      for (const f of fresh) args.push(JSON.stringify(f.fields), f.write.body ?? '');
      await runReplicated(
        redis,
        'signalboxRecordDeliveries',
        [ledger.indexKey, ...trimArgs(ledger, ctx.trimDue(fresh.length), newest), fresh.length, ...args],
        1,
        replication,
      );
    } catch (err) {
      // Let a redelivery try at once instead of waiting for the claims to expire.
      await redis.del(...fresh.map((f) => f.fields?.claimKey ?? '')).catch(() => {});
      throw err;
    }
  }
  return claims.map((c) => (c === '' ? {} : c === '!' ? { busy: true } : { duplicateOf: c }));
}

/**
 * Deliveries arriving together are written together. On a single primary (standalone, Sentinel)
 * one script call per batch does, for each, the dedup check, its jobs (BullMQ's own
 * addStandardJob, so workers see exactly what Queue.add would have written) and its ledger
 * record: one round trip where Queue.addBulk + the ledger took three and ~75 µs of listener CPU
 * per job. On Cluster the queues and the ledger live in different slots, which no one script may
 * span, so the batch goes in per-slot steps that keep "jobs before the record that marks a delivery
 * seen": claim (ledger slot), jobs (one call per queue, in parallel), record (ledger slot).
 * With `replication.replicas`, each step's writes must reach that many replicas (`WAIT`), or the
 * commit fails and the delivery is answered 503.
 */
export function createDeliveryStore(deps: {
  redis: Redis;
  producers: Producers;
  ledger: StoreLedger;
  replication?: Replication;
}): DeliveryStore {
  const { ledger, producers, redis } = deps;
  redis.defineCommand('signalboxCommitDeliveries', { lua: scripts.commit });
  redis.defineCommand('signalboxClaimDeliveries', { lua: scripts.claim });
  redis.defineCommand('signalboxAddJobs', { lua: scripts.addJobs });
  redis.defineCommand('signalboxRecordDeliveries', { lua: scripts.record });
  let sinceTrim = 0;
  const ctx: CommitContext = {
    redis,
    producers,
    ledger,
    replication: deps.replication ?? { replicas: 0, timeoutMs: 0 },
    queueKeys: [
      producers.runs.scripted.keys,
      producers.imageUpdates.scripted.keys,
      producers.notifications.scripted.keys,
    ],
    trimDue(records) {
      sinceTrim += records;
      if (sinceTrim < (ledger.options.trimEvery ?? 64)) return false;
      sinceTrim = 0;
      return true;
    },
  };
  const commitBatch = (redis as { isCluster?: boolean }).isCluster ? commitInSlots : commitOneScript;
  const batched = microBatch((writes: readonly DurableWrite[]) => commitBatch(ctx, writes), {
    maxInFlight: 4,
  });
  return {
    async commit(write) {
      const result = await batched(write);
      if (result.busy) throw new Error('another listener replica is storing this delivery right now');
      return result;
    },
    async duplicate(write, prior) {
      const eventID = randomUUID();
      const record = duplicateRecord(write.record, eventID, prior);
      const replies = await redis
        .pipeline()
        .get(ledger.recordKey(prior))
        .set(ledger.recordKey(eventID), JSON.stringify(record), 'EX', ledger.options.ttlSeconds)
        .zadd(ledger.indexKey, Date.parse(record.receivedAt), eventID)
        .exec();
      const failed = replies?.find(([err]) => err);
      if (failed) throw failed[0];
      const text = replies?.[0]?.[1];
      return typeof text === 'string' ? (JSON.parse(text) as DeliveryRecord).verdicts : [];
    },
    refuse: createRefusalLog(redis, ledger),
  };
}
