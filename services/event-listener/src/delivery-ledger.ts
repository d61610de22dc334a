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

  /** Stores the record and marks the delivery seen, in one MULTI (after its jobs are in Redis). */
  async record(record: DeliveryRecord): Promise<void> {
    const at = Date.parse(record.receivedAt);
    await this.#redis
      .multi()
      .set(this.#record(record.eventID), JSON.stringify(record), 'EX', this.#o.ttlSeconds)
      .set(this.#seen(record.listener, record.deliveryId), record.eventID, 'EX', this.#o.dedupWindowSeconds)
      .set(this.#byDelivery(record.deliveryId), record.eventID, 'EX', this.#o.ttlSeconds)
      .zadd(this.#index, at, record.eventID)
      .zremrangebyrank(this.#index, 0, -this.#o.maxRecords - 1)
      .zremrangebyscore(this.#index, '-inf', at - this.#o.ttlSeconds * 1000)
      .exec()
      .then((results) => {
        const failed = results?.find(([err]) => err);
        if (!results || failed) throw failed?.[0] ?? new Error('ledger write aborted');
      });
  }

  async get(eventID: string): Promise<DeliveryRecord | undefined> {
    const text = await this.#redis.get(this.#record(eventID));
    return text ? (JSON.parse(text) as DeliveryRecord) : undefined;
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
