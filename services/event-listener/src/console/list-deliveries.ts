import type { Redis } from 'ioredis';
import type { DeliveryLedger, DeliveryRecord } from '../delivery-ledger.ts';
import { type DeliveryFilter, matchesFilter } from './delivery-filter.ts';

/** Where a page ends: the index score (receivedAt, ms) and event id of its last row. */
export interface PageCursor {
  readonly score: number;
  readonly eventID: string;
}

export interface DeliveryPage {
  readonly items: Omit<DeliveryRecord, 'body'>[];
  /** Where the next (older) page starts; absent when the index has nothing older. */
  readonly next?: PageCursor;
  /** Index entries read for this page (a selective filter reads more than it shows). */
  readonly scanned: number;
}

const batch = 200;

/**
 * One page of the ledger, newest first, from `cursor` on: the time-ordered index is read by
 * score from the cursor, so a page costs the same at the ledger's cap as on an empty one. A
 * selective filter reads at most `maxScan` index entries per page and then hands back a cursor,
 * so no page scans the whole ledger.
 */
export async function listDeliveries(
  redis: Redis,
  ledger: Pick<DeliveryLedger, 'indexKey' | 'recordKey'>,
  options: { filter: DeliveryFilter; cursor?: PageCursor; limit: number; maxScan: number },
): Promise<DeliveryPage> {
  const { filter, limit, maxScan } = options;
  const items: DeliveryPage['items'] = [];
  let max = options.cursor
    ? String(options.cursor.score)
    : filter.until !== undefined
      ? String(filter.until)
      : '+inf';
  const min = filter.since !== undefined ? String(filter.since) : '-inf';
  // Members sharing the cursor's score sort by id (descending here); those at or above it were shown.
  let after = options.cursor?.eventID;
  let scanned = 0;
  let last: PageCursor | undefined;
  while (items.length < limit && scanned < maxScan) {
    const flat = await redis.zrevrangebyscore(ledger.indexKey, max, min, 'WITHSCORES', 'LIMIT', 0, batch);
    const entries: PageCursor[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const eventID = flat[i] as string;
      const score = Number(flat[i + 1]);
      if (after !== undefined && String(score) === max && eventID >= after) continue;
      entries.push({ score, eventID });
    }
    if (entries.length === 0) return { items, scanned };
    const texts = await redis.mget(entries.map((e) => ledger.recordKey(e.eventID)));
    for (const [i, entry] of entries.entries()) {
      scanned++;
      last = entry;
      const text = texts[i];
      if (text) {
        const record = JSON.parse(text) as DeliveryRecord;
        if (matchesFilter(record, filter)) items.push(record);
      }
      if (items.length >= limit || scanned >= maxScan) break;
    }
    if (!last) break;
    max = String(last.score);
    after = last.eventID;
    if (flat.length < batch * 2 && last === entries.at(-1)) {
      // The index had no more than this batch: the page is the end.
      return { items, scanned };
    }
  }
  return { items, scanned, ...(last ? { next: last } : {}) };
}
