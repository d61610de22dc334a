import type { Redis } from 'ioredis';
import type { DeliveryLedger, DeliveryRecord } from '../delivery-ledger.ts';
import { parseRefusal } from '../refusal-log.ts';

type Summary = Omit<DeliveryRecord, 'body'>;
type Subscriber = (record: Summary) => void;

/**
 * The members added to a zset since the last read, by score: the newest score seen and the
 * members seen at it (several deliveries can share a millisecond). The first read only notes
 * where the set ends.
 */
function zsetTail(redis: Redis, key: string) {
  let since: number | undefined;
  let seenAtSince = new Set<string>();
  return {
    async read(): Promise<string[]> {
      if (since === undefined) {
        const newest = await redis.zrevrange(key, 0, 0, 'WITHSCORES');
        since = newest[1] === undefined ? 0 : Number(newest[1]);
        seenAtSince = new Set(newest[0] === undefined ? [] : [newest[0]]);
        return [];
      }
      const flat = await redis.zrangebyscore(key, since, '+inf', 'WITHSCORES', 'LIMIT', 0, 100);
      const fresh: string[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) {
        const member = flat[i] as string;
        const score = Number(flat[i + 1]);
        if (score === since && seenAtSince.has(member)) continue;
        if (score !== since) {
          since = score;
          seenAtSince = new Set();
        }
        seenAtSince.add(member);
        fresh.push(member);
      }
      return fresh;
    },
    reset(): void {
      since = undefined;
    },
  };
}

/**
 * New ledger records and refusals as they are written, for the console's live list. One poll of
 * the ledger's time index and of its refusals serves every open page, and only while one is open:
 * both are what every listener replica writes, so a delivery taken by any replica shows up without
 * a channel of its own.
 */
export function createDeliveryFeed(
  redis: Redis,
  ledger: Pick<DeliveryLedger, 'indexKey' | 'recordKey' | 'refusalsKey'>,
  options: { intervalMs: number; onError(err: unknown): void },
) {
  const subscribers = new Set<Subscriber>();
  let timer: NodeJS.Timeout | undefined;
  let polling = false;
  const index = zsetTail(redis, ledger.indexKey);
  const refusals = zsetTail(redis, ledger.refusalsKey);

  async function poll(): Promise<void> {
    if (polling) return;
    polling = true;
    try {
      const [fresh, refused] = await Promise.all([index.read(), refusals.read()]);
      const texts = fresh.length > 0 ? await redis.mget(fresh.map((id) => ledger.recordKey(id))) : [];
      const records = [
        ...texts.flatMap((text) => (text ? [JSON.parse(text) as Summary] : [])),
        ...refused.map(parseRefusal),
      ].sort((a, b) => a.receivedAt.localeCompare(b.receivedAt));
      for (const record of records) for (const subscriber of subscribers) subscriber(record);
    } catch (err) {
      options.onError(err);
    } finally {
      polling = false;
    }
  }

  return {
    /** Calls `subscriber` with each record committed from now on; returns the unsubscribe. */
    subscribe(subscriber: Subscriber): () => void {
      subscribers.add(subscriber);
      if (!timer) {
        void poll();
        timer = setInterval(() => void poll(), options.intervalMs);
      }
      return () => {
        subscribers.delete(subscriber);
        if (subscribers.size === 0) {
          clearInterval(timer);
          timer = undefined;
          index.reset();
          refusals.reset();
        }
      };
    },
    stop(): void {
      subscribers.clear();
      clearInterval(timer);
      timer = undefined;
    },
  };
}

export type DeliveryFeed = ReturnType<typeof createDeliveryFeed>;
