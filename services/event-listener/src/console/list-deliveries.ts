import type { Redis } from 'ioredis';
import type { DeliveryLedger, DeliveryRecord } from '../delivery-ledger.ts';
import { parseRefusal } from '../refusal-log.ts';
import { type DeliveryFilter, matchesFilter, refusalsCanMatch } from './delivery-filter.ts';

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

type Summary = DeliveryPage['items'][number];
type PageOptions = { filter: DeliveryFilter; cursor?: PageCursor; limit: number; maxScan: number };

const cursorOf = (record: Summary): PageCursor => ({
  score: Date.parse(record.receivedAt),
  eventID: record.eventID,
});
/** Newest first; one millisecond's entries by id, descending (as the index's ZREVRANGE has them). */
const byNewest = (a: PageCursor, b: PageCursor) =>
  b.score - a.score || (a.eventID < b.eventID ? 1 : a.eventID > b.eventID ? -1 : 0);

/**
 * One page of the ledger, newest first, from `cursor` on: the time-ordered index is read by
 * score from the cursor, so a page costs the same at the ledger's cap as on an empty one. A
 * selective filter reads at most `maxScan` index entries per page and then hands back a cursor,
 * so no page scans the whole ledger. Refusals, kept apart from the index, are merged in by time
 * when the filter can match them.
 */
export async function listDeliveries(
  redis: Redis,
  ledger: Pick<DeliveryLedger, 'indexKey' | 'recordKey' | 'refusalsKey'>,
  options: PageOptions,
): Promise<DeliveryPage> {
  const page =
    options.filter.outcome === 'rejected'
      ? { items: [], scanned: 0 }
      : await pageOfIndex(redis, ledger, options);
  if (!refusalsCanMatch(options.filter)) return page;
  return withRefusals(redis, ledger.refusalsKey, page, options);
}

/**
 * The refusals between the page's cursor and where its index read stopped (`page.next`), merged
 * into its items; a page that grows past `limit` ends at its last row instead.
 */
async function withRefusals(
  redis: Redis,
  refusalsKey: string,
  page: DeliveryPage,
  options: PageOptions,
): Promise<DeliveryPage> {
  const { filter, cursor, limit, maxScan } = options;
  const top = cursor ? String(cursor.score) : filter.until !== undefined ? String(filter.until) : '+inf';
  const floor = page.next;
  const bottom = floor ? String(floor.score) : filter.since !== undefined ? String(filter.since) : '-inf';
  const flat = await redis.zrevrangebyscore(refusalsKey, top, bottom, 'WITHSCORES', 'LIMIT', 0, maxScan);
  const refusals: Summary[] = [];
  let lastRead: PageCursor | undefined;
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const record = parseRefusal(flat[i] as string);
    lastRead = cursorOf(record);
    if (cursor && byNewest(lastRead, cursor) <= 0) continue;
    if (matchesFilter(record, filter)) refusals.push(record);
  }
  let next = floor;
  // More refusals than one read takes: the page cannot reach below the last one read.
  if (lastRead && flat.length >= maxScan * 2 && (!next || byNewest(lastRead, next) < 0)) next = lastRead;
  let items = [...page.items, ...refusals]
    .sort((a, b) => byNewest(cursorOf(a), cursorOf(b)))
    .filter((r) => !next || byNewest(cursorOf(r), next) <= 0);
  if (items.length > limit) {
    items = items.slice(0, limit);
    next = cursorOf(items[limit - 1] as Summary);
  }
  return { items, scanned: page.scanned + flat.length / 2, ...(next ? { next } : {}) };
}

/** The index's part of a page (accepted deliveries and their duplicates). */
async function pageOfIndex(
  redis: Redis,
  ledger: Pick<DeliveryLedger, 'indexKey' | 'recordKey'>,
  options: PageOptions,
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
