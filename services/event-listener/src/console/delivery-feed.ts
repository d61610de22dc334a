import type { Redis } from 'ioredis';
import type { DeliveryLedger, DeliveryRecord } from '../delivery-ledger.ts';

type Summary = Omit<DeliveryRecord, 'body'>;
type Subscriber = (record: Summary) => void;

/**
 * New ledger records as they are committed, for the console's live list. One poll of the ledger's
 * time index serves every open page, and only while one is open: the index is what every listener
 * replica writes, so a delivery taken by any replica shows up without a channel of its own.
 */
export function createDeliveryFeed(
  redis: Redis,
  ledger: Pick<DeliveryLedger, 'indexKey' | 'recordKey'>,
  options: { intervalMs: number; onError(err: unknown): void },
) {
  const subscribers = new Set<Subscriber>();
  let timer: NodeJS.Timeout | undefined;
  let polling = false;
  // The newest score seen, and the ids seen at it (several deliveries can share a millisecond).
  let since: number | undefined;
  let seenAtSince = new Set<string>();

  async function poll(): Promise<void> {
    if (polling) return;
    polling = true;
    try {
      if (since === undefined) {
        const newest = await redis.zrevrange(ledger.indexKey, 0, 0, 'WITHSCORES');
        since = newest[1] === undefined ? 0 : Number(newest[1]);
        seenAtSince = new Set(newest[0] === undefined ? [] : [newest[0]]);
        return;
      }
      const flat = await redis.zrangebyscore(ledger.indexKey, since, '+inf', 'WITHSCORES', 'LIMIT', 0, 100);
      const fresh: string[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) {
        const id = flat[i] as string;
        const score = Number(flat[i + 1]);
        if (score === since && seenAtSince.has(id)) continue;
        if (score !== since) {
          since = score;
          seenAtSince = new Set();
        }
        seenAtSince.add(id);
        fresh.push(id);
      }
      if (fresh.length === 0) return;
      const texts = await redis.mget(fresh.map((id) => ledger.recordKey(id)));
      for (const text of texts) {
        if (!text) continue;
        const record = JSON.parse(text) as Summary;
        for (const subscriber of subscribers) subscriber(record);
      }
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
          since = undefined;
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
