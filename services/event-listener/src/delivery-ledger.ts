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
  /** How long a record lives (default 72 h). */
  readonly ttlSeconds: number;
  /** Newest records listed at most (older ones expire or are trimmed; default 10 000). */
  readonly maxRecords: number;
  /** Duplicate window: a repeat of a delivery id within it is acknowledged and not re-enqueued. */
  readonly dedupWindowSeconds: number;
}

/** KEYS: record, body, seen, by-delivery, index. ARGV: json, body, hasBody, eventID, ttl, window, at, trim, max, cutoff. */
const recordScript = `
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[5])
if ARGV[3] == '1' then redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[5]) end
redis.call('SET', KEYS[3], ARGV[4], 'EX', ARGV[6])
redis.call('SET', KEYS[4], ARGV[4], 'EX', ARGV[5])
redis.call('ZADD', KEYS[5], ARGV[7], ARGV[4])
if ARGV[8] == '1' then
  redis.call('ZREMRANGEBYRANK', KEYS[5], 0, -tonumber(ARGV[9]) - 1)
  redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', ARGV[10])
end
return 1`;

/**
 * The delivery ledger in Redis: a JSON record per event (TTL), a time-ordered index (capped),
 * and a delivery-id → event-id key that makes duplicates visible within the dedup window.
 */
export class DeliveryLedger {
  readonly #redis: Redis;
  readonly #o: LedgerOptions;

  constructor(redis: Redis, options: LedgerOptions) {
    this.#redis = redis;
    this.#o = options;
    redis.defineCommand('signalboxLedgerRecord', { numberOfKeys: 5, lua: recordScript });
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

  /** The event id a delivery was accepted under, if it was, within the dedup window. */
  async acceptedAs(listener: string, deliveryId: string): Promise<string | null> {
    return this.#redis.get(this.#seen(listener, deliveryId));
  }

  /**
   * Stores the record (and the raw body, as its own key: nested in the record's JSON it would be
   * escaped and re-encoded), marks the delivery seen and indexes it — atomically, in one Lua
   * script (an ioredis MULTI of the same commands costs the client about 4× the CPU), after the
   * delivery's jobs are in Redis.
   */
  async record(record: Omit<DeliveryRecord, 'body'>, body?: Buffer): Promise<void> {
    const at = Date.parse(record.receivedAt);
    // Trimming the index on every delivery is wasted work: about one in 64 keeps it bounded
    // (records expire by TTL; list() skips index entries whose record is gone).
    const trim = Math.random() < 1 / 64 ? 1 : 0;
    const key = this.#record(record.eventID);
    await (
      this.#redis as Redis & { signalboxLedgerRecord: (...args: unknown[]) => Promise<number> }
    ).signalboxLedgerRecord(
      key,
      `${key}:body`,
      this.#seen(record.listener, record.deliveryId),
      this.#byDelivery(record.deliveryId),
      this.#index,
      JSON.stringify(record),
      body ?? '',
      body === undefined ? 0 : 1,
      record.eventID,
      this.#o.ttlSeconds,
      this.#o.dedupWindowSeconds,
      at,
      trim,
      this.#o.maxRecords,
      at - this.#o.ttlSeconds * 1000,
    );
  }

  async get(eventID: string): Promise<DeliveryRecord | undefined> {
    const [text, body] = await this.#redis.mget(this.#record(eventID), `${this.#record(eventID)}:body`);
    if (!text) return undefined;
    const record = JSON.parse(text) as DeliveryRecord;
    if (typeof body === 'string') return { ...record, body };
    return record;
  }

  /** Newest first, filtered; scans at most `maxRecords` index entries. */
  async list(filter: {
    listener?: string;
    repo?: string;
    sha?: string;
    deliveryId?: string;
    limit?: number;
  }): Promise<DeliveryRecord[]> {
    const limit = Math.min(filter.limit ?? 100, 1000);
    const out: DeliveryRecord[] = [];
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
        if (filter.deliveryId && r.deliveryId !== filter.deliveryId) continue;
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
