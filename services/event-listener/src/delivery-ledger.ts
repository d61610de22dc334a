import { eventTrailKey } from '@signalbox/contracts';
import type { Redis } from 'ioredis';
import { isBodyHash } from './event-id.ts';
import type { PlannedJob } from './fan-out.ts';

/** A trigger's verdict as stored and returned (what GitHub shows in its delivery log). */
export interface StoredVerdict {
  readonly name: string;
  readonly fired: boolean;
  readonly reason?: string;
  /** What was changed to make the resources acceptable (a param value cut to its limit). */
  readonly warnings?: readonly string[];
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
  /** A Harbor delivery's image (`host/project/repo`) and tag (absent when pushed by digest). */
  readonly image?: string;
  readonly tag?: string;
  readonly verdicts: readonly StoredVerdict[];
  readonly jobIds: readonly string[];
  readonly replayOf?: string;
  /** A copy of an accepted delivery (redelivery, retry, same signed body): the event id it repeats. */
  readonly duplicateOf?: string;
  /** The status the sender was answered with, when it was not 202 (refusals). */
  readonly status?: number;
  /** A refusal's `error` code (`http-errors.ts`); a refusal keeps no body and no verdicts. */
  readonly error?: string;
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
  /**
   * Key prefix (e.g. `signalbox:ledger`). Every ledger key is `{<prefix>}:…`: one hash tag, so the
   * intake's scripts and the listing's MGETs stay in one Redis Cluster slot.
   */
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
  /**
   * Refusals kept at most (default 1 000), in a list of their own trimmed on every write: they come
   * from senders nobody authenticated, so they must not push accepted deliveries out of the index.
   */
  readonly maxRefusals?: number;
}

const bodySuffix = ':body';

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
  readonly #redis: Redis;
  readonly #tag: string;
  readonly options: LedgerOptions;

  constructor(redis: Redis, options: LedgerOptions) {
    this.#redis = redis;
    this.#tag = `{${options.prefix}}`;
    this.options = options;
  }

  /** The record's key. */
  recordKey(eventID: string): string {
    return `${this.#tag}:delivery:${eventID}`;
  }
  /** The raw body's key (kept apart so listing records never reads bodies). */
  bodyKey(eventID: string): string {
    return `${this.recordKey(eventID)}${bodySuffix}`;
  }
  /**
   * How the commit script derives a record's and its body's keys from an event id when it trims
   * the index: `recordPrefix .. id` and `recordPrefix .. id .. bodySuffix`.
   */
  get trimLayout(): { readonly recordPrefix: string; readonly bodySuffix: string } {
    return { recordPrefix: this.recordKey(''), bodySuffix };
  }
  /** Delivery id → event id, per listener, while the delivery counts as seen (dedup). */
  seenKey(listener: string, deliveryId: string): string {
    return `${this.#tag}:seen:${listener}:${deliveryId}`;
  }
  /** A delivery being stored by one listener replica (Cluster intake): its copies wait until it is recorded. */
  claimKey(listener: string, deliveryId: string): string {
    return `${this.#tag}:claim:${listener}:${deliveryId}`;
  }
  /**
   * A GitHub body's SHA-256 → event id, per listener, for the ledger TTL: the signature does not
   * cover X-GitHub-Delivery, so a captured signed body re-sent under a new id must not run again.
   */
  seenBodyKey(listener: string, bodyHash: string): string {
    return `${this.#tag}:seen-body:${listener}:${bodyHash}`;
  }
  /** Delivery id → event id across listeners, for the ledger TTL (missed-delivery recovery). */
  byDeliveryKey(deliveryId: string): string {
    return `${this.#tag}:by-delivery:${deliveryId}`;
  }
  /** Event ids by time received (the listing; trimmed to `maxRecords`). */
  get indexKey(): string {
    return `${this.#tag}:deliveries`;
  }
  /**
   * Refused deliveries (zset by refused-at ms; each member the refusal's id followed by its record
   * as JSON), capped at `maxRefusals` and to the TTL on every write.
   */
  get refusalsKey(): string {
    return `${this.#tag}:refusals`;
  }
  /**
   * What happened after the delivery (runs, pull requests, Slack threads), as the notifier records
   * it: hash-tagged by the event id itself, not the ledger's tag (see `eventTrailKey`).
   */
  trailKey(eventID: string): string {
    return eventTrailKey(this.options.prefix, eventID);
  }
  /** Seconds a delivery id counts as seen: a body hash for the dedup window, a GitHub id for the TTL. */
  seenSeconds(deliveryId: string): number {
    return isBodyHash(deliveryId) ? this.options.dedupWindowSeconds : this.options.ttlSeconds;
  }

  /** The event id a delivery was accepted under, if it is still remembered (see `LedgerOptions`). */
  async acceptedAs(listener: string, deliveryId: string): Promise<string | null> {
    return this.#redis.get(this.seenKey(listener, deliveryId));
  }

  /** The record without its body. */
  async summary(eventID: string): Promise<Omit<DeliveryRecord, 'body'> | undefined> {
    const text = await this.#redis.get(this.recordKey(eventID));
    return text ? (JSON.parse(text) as DeliveryRecord) : undefined;
  }

  /** The record with its body (when it was kept). Callers pass validated event ids (see `eventIdPattern`). */
  async get(eventID: string): Promise<DeliveryRecord | undefined> {
    const [text, body] = await this.#redis.mget(this.recordKey(eventID), this.bodyKey(eventID));
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
      const eventID = await this.#redis.get(this.byDeliveryKey(filter.deliveryId));
      const record = eventID ? await this.summary(eventID) : undefined;
      return record && (!filter.listener || record.listener === filter.listener) ? [record] : [];
    }
    const limit = Math.min(filter.limit ?? 100, 1000);
    const out: Omit<DeliveryRecord, 'body'>[] = [];
    const batch = 200;
    for (let start = 0; out.length < limit && start < this.options.maxRecords; start += batch) {
      const ids = await this.#redis.zrevrange(this.indexKey, start, start + batch - 1);
      if (ids.length === 0) break;
      const texts = await this.#redis.mget(ids.map((id) => this.recordKey(id)));
      for (const text of texts) {
        if (!text) continue;
        const r = JSON.parse(text) as DeliveryRecord;
        // The API lists what was accepted; the console shows duplicates too.
        if (r.duplicateOf) continue;
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
    return (await this.#redis.exists(this.byDeliveryKey(deliveryId))) === 1;
  }
}
