import type { Redis } from 'ioredis';
import type { PlannedJob } from './fan-out.ts';

/** A trigger's verdict as stored and returned (what GitHub shows in its delivery log). */
export interface StoredVerdict {
  readonly name: string;
  readonly fired: boolean;
  readonly reason?: string;
  readonly resources?: readonly PlannedJob[];
}

/** One delivery as the ledger keeps it. Headers never include secrets or signatures. */
export interface DeliveryRecord {
  readonly eventID: string;
  readonly deliveryId: string;
  readonly listener: string;
  readonly receivedAt: string;
  readonly contentType: string;
  readonly headers: Record<string, string>;
  /** The raw body as text, unless it was larger than the cap (then `bodyTruncated`, no replay). */
  readonly body?: string;
  readonly bodyTruncated?: boolean;
  readonly bodyBytes: number;
  readonly repo?: string;
  readonly sha?: string;
  readonly verdicts: readonly StoredVerdict[];
  readonly jobIds: readonly string[];
  readonly replayOf?: string;
}

/** Headers worth keeping for inspection and replay; everything else (auth, signatures, cookies) is dropped. */
const keptHeaders =
  /^(content-type|user-agent|x-github-event|x-github-delivery|x-github-hook-id|x-github-hook-installation-target-(id|type)|x-github-enterprise-(host|version)|ce-[a-z]+)$/;

export function redactHeaders(
  headers: Readonly<Record<string, string | readonly string[] | undefined>>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && keptHeaders.test(name))
      out[name] = Array.isArray(value) ? value.join(',') : String(value);
  }
  return out;
}

export interface LedgerOptions {
  readonly prefix: string;
  /**
   * How long a record lives (default 72 h) — and how long a GitHub delivery id is remembered as
   * seen: GitHub lets anyone redeliver for 3 days, and a redelivery must not run anything twice.
   */
  readonly ttlSeconds: number;
  /** The size cap: records kept at most; the oldest beyond it are deleted (default 10 000). */
  readonly maxRecords: number;
  /**
   * How long a body hash (Harbor, no delivery id) is remembered as seen (default 1 h): Harbor
   * retries byte-identical bodies within minutes, and every new event differs in `occur_at`.
   */
  readonly dedupWindowSeconds: number;
  /** Records written between two trims to the cap (default 64): trimming every write is wasted work. */
  readonly trimEvery?: number;
}

/**
 * Records many deliveries in one call. KEYS: the index, then per record: record, body, seen,
 * by-delivery. ARGV: ttl, trim?, max records, trim cutoff (ms), record key prefix, then per
 * record: JSON, body, has-body, event id, received-at (ms), seen TTL. Trimming deletes the
 * records pushed out of the index, so the cap bounds memory, not only the listing.
 */
const recordScript = `
local ttl = ARGV[1]
for i = 0, (#KEYS - 1) / 4 - 1 do
  local k, a = 1 + i * 4, 5 + i * 6
  redis.call('SET', KEYS[k + 1], ARGV[a + 1], 'EX', ttl)
  if ARGV[a + 3] == '1' then redis.call('SET', KEYS[k + 2], ARGV[a + 2], 'EX', ttl) end
  redis.call('SET', KEYS[k + 3], ARGV[a + 4], 'EX', ARGV[a + 6])
  redis.call('SET', KEYS[k + 4], ARGV[a + 4], 'EX', ttl)
  redis.call('ZADD', KEYS[1], ARGV[a + 5], ARGV[a + 4])
end
if ARGV[2] == '1' then
  local old = redis.call('ZRANGE', KEYS[1], 0, -tonumber(ARGV[3]) - 1)
  for _, id in ipairs(old) do redis.call('UNLINK', ARGV[5] .. id, ARGV[5] .. id .. ':body') end
  if #old > 0 then redis.call('ZREMRANGEBYRANK', KEYS[1], 0, #old - 1) end
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[4])
end
return 1`;

const isBodyHash = (deliveryId: string) => deliveryId.startsWith('sha256:');

type RecordCommand = (numKeys: number, ...args: (string | number | Buffer)[]) => Promise<number>;

/** A delivery to record: its summary and, when under the cap, its raw body. */
export interface LedgerEntry {
  readonly record: Omit<DeliveryRecord, 'body'>;
  readonly body?: Buffer;
}

/**
 * The delivery ledger in Redis: a JSON record per event (TTL), a time-ordered index (capped),
 * and a delivery-id → event-id key that makes duplicates visible.
 */
export class DeliveryLedger {
  readonly #redis: Redis & { signalboxLedgerRecord: RecordCommand };
  readonly #o: LedgerOptions;
  #sinceTrim = 0;

  constructor(redis: Redis, options: LedgerOptions) {
    redis.defineCommand('signalboxLedgerRecord', { lua: recordScript });
    this.#redis = redis as Redis & { signalboxLedgerRecord: RecordCommand };
    this.#o = options;
  }

  #record(eventID: string) {
    return `${this.#o.prefix}:delivery:${eventID}`;
  }
  #seen(listener: string, deliveryId: string) {
    return `${this.#o.prefix}:seen:${listener}:${deliveryId}`;
  }
  #byDelivery(deliveryId: string) {
    return `${this.#o.prefix}:by-delivery:${deliveryId}`;
  }
  get #index() {
    return `${this.#o.prefix}:deliveries`;
  }

  /** The event id a delivery was accepted under, if it is still remembered (see `LedgerOptions`). */
  async acceptedAs(listener: string, deliveryId: string): Promise<string | null> {
    return this.#redis.get(this.#seen(listener, deliveryId));
  }

  /** `acceptedAs` for many deliveries in one round trip, in order. */
  async acceptedAsMany(
    deliveries: readonly { listener: string; deliveryId: string }[],
  ): Promise<(string | null)[]> {
    return this.#redis.mget(deliveries.map((d) => this.#seen(d.listener, d.deliveryId)));
  }

  /** Records one delivery (see `recordMany`). */
  async record(record: Omit<DeliveryRecord, 'body'>, body?: Buffer): Promise<void> {
    await this.recordMany([body === undefined ? { record } : { record, body }]);
  }

  /**
   * Stores each record (and its raw body, as its own key: nested in the record's JSON it would be
   * escaped and re-encoded), marks each delivery seen and indexes it — all in one Lua script call,
   * atomic, after the deliveries' jobs are in Redis.
   */
  async recordMany(entries: readonly LedgerEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const keys: string[] = [this.#index];
    const args: (string | number | Buffer)[] = [];
    let newest = 0;
    for (const { record, body } of entries) {
      const key = this.#record(record.eventID);
      const at = Date.parse(record.receivedAt);
      newest = Math.max(newest, at);
      keys.push(
        key,
        `${key}:body`,
        this.#seen(record.listener, record.deliveryId),
        this.#byDelivery(record.deliveryId),
      );
      const seenTtl = isBodyHash(record.deliveryId) ? this.#o.dedupWindowSeconds : this.#o.ttlSeconds;
      args.push(JSON.stringify(record), body ?? '', body === undefined ? 0 : 1, record.eventID, at, seenTtl);
    }
    this.#sinceTrim += entries.length;
    const trim = this.#sinceTrim >= (this.#o.trimEvery ?? 64) ? 1 : 0;
    if (trim) this.#sinceTrim = 0;
    await this.#redis.signalboxLedgerRecord(
      keys.length,
      ...keys,
      this.#o.ttlSeconds,
      trim,
      this.#o.maxRecords,
      newest - this.#o.ttlSeconds * 1000,
      this.#record(''),
      ...args,
    );
  }

  /** The record without its body. */
  async summary(eventID: string): Promise<Omit<DeliveryRecord, 'body'> | undefined> {
    const text = await this.#redis.get(this.#record(eventID));
    return text ? (JSON.parse(text) as DeliveryRecord) : undefined;
  }

  /** The record with its body (when it was kept). */
  async get(eventID: string): Promise<DeliveryRecord | undefined> {
    const [text, body] = await this.#redis.mget(this.#record(eventID), `${this.#record(eventID)}:body`);
    if (!text) return undefined;
    const record = JSON.parse(text) as DeliveryRecord;
    if (typeof body === 'string') return { ...record, body };
    return record;
  }

  /**
   * Newest first, filtered, without bodies; scans at most `maxRecords` index entries. A
   * `deliveryId` (X-GitHub-Delivery, or `sha256:` body hash) is looked up directly instead.
   */
  async list(filter: {
    listener?: string;
    repo?: string;
    sha?: string;
    deliveryId?: string;
    limit?: number;
  }): Promise<Omit<DeliveryRecord, 'body'>[]> {
    if (filter.deliveryId) {
      const eventID = await this.#redis.get(this.#byDelivery(filter.deliveryId));
      const record = eventID ? await this.summary(eventID) : undefined;
      return record && (!filter.listener || record.listener === filter.listener) ? [record] : [];
    }
    const limit = Math.min(filter.limit ?? 100, 1000);
    const out: Omit<DeliveryRecord, 'body'>[] = [];
    const batch = 200;
    for (let start = 0; out.length < limit && start < this.#o.maxRecords; start += batch) {
      const ids = await this.#redis.zrevrange(this.#index, start, start + batch - 1);
      if (ids.length === 0) break;
      const texts = await this.#redis.mget(ids.map((id) => this.#record(id)));
      for (const text of texts) {
        if (!text) continue;
        const r = JSON.parse(text) as DeliveryRecord;
        if (filter.listener && r.listener !== filter.listener) continue;
        if (filter.repo && r.repo !== filter.repo) continue;
        if (filter.sha && r.sha !== filter.sha) continue;
        out.push(r);
        if (out.length >= limit) break;
      }
    }
    return out;
  }

  /** Whether any listener accepted this delivery id within the ledger's TTL (missed-delivery recovery). */
  async knows(deliveryId: string): Promise<boolean> {
    return (await this.#redis.exists(this.#byDelivery(deliveryId))) === 1;
  }
}
