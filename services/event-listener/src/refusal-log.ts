import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { type DeliveryLedger, type DeliveryRecord, redactHeaders } from './delivery-ledger.ts';

/** A webhook request the listener refused, as the edge or the intake knows it. */
export interface Refusal {
  /** A configured listener: an unknown name is never recorded (the 404 hides which exist). */
  readonly listener: string;
  readonly status: number;
  /** The answer's `error` code (`http-errors.ts`). */
  readonly error: string;
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
}

/** Characters kept of each header value: a sender nobody authenticated chooses them. */
const maxHeaderChars = 256;
/**
 * Refusal writes under way at once; beyond that a refusal is not recorded. A flood of refused
 * requests while Redis is slow must not queue writes in the listener's memory.
 */
const maxInFlight = 8;
const idLength = 36;

const cut = (value: string) => (value.length > maxHeaderChars ? value.slice(0, maxHeaderChars) : value);

/** The refusal as the console lists it: a ledger record with a status and error and nothing else. */
function refusalRecord(refusal: Refusal, id: string, at: number): Omit<DeliveryRecord, 'body'> {
  const headers = Object.fromEntries(
    Object.entries(redactHeaders(refusal.headers)).map(([k, v]) => [k, cut(v)]),
  );
  return {
    eventID: id,
    deliveryId: headers['x-github-delivery'] ?? '',
    listener: refusal.listener,
    receivedAt: new Date(at).toISOString(),
    contentType: headers['content-type'] ?? '',
    headers,
    bodyBytes: 0,
    verdicts: [],
    jobIds: [],
    status: refusal.status,
    error: refusal.error,
  };
}

/** A member of the refusals zset back as its record (the member is the id, then the record's JSON). */
export function parseRefusal(member: string): Omit<DeliveryRecord, 'body'> {
  return JSON.parse(member.slice(idLength)) as Omit<DeliveryRecord, 'body'>;
}

/**
 * Records refusals in the ledger's refusals zset: no body, redacted and cut headers, one
 * `MULTI` per refusal that adds it and trims the set to `maxRefusals` and to the TTL, so what
 * senders nobody authenticated can make Redis hold is bounded in count, size and time. The id
 * leads the member, so refusals of one millisecond sort by id, as the index's members do.
 */
export function createRefusalLog(
  redis: Redis,
  ledger: Pick<DeliveryLedger, 'refusalsKey' | 'options'>,
  now: () => number = Date.now,
): (refusal: Refusal) => Promise<void> {
  const { ttlSeconds } = ledger.options;
  const max = ledger.options.maxRefusals ?? 1000;
  let inFlight = 0;
  return async (refusal) => {
    if (inFlight >= maxInFlight) return;
    inFlight++;
    try {
      const at = now();
      const id = randomUUID();
      const member = `${id}${JSON.stringify(refusalRecord(refusal, id, at))}`;
      const key = ledger.refusalsKey;
      const replies = await redis
        .multi()
        .zadd(key, at, member)
        .zremrangebyrank(key, 0, -max - 1)
        .zremrangebyscore(key, '-inf', at - ttlSeconds * 1000)
        .expire(key, ttlSeconds)
        .exec();
      const failed = replies?.find(([err]) => err);
      if (failed) throw failed[0];
    } finally {
      inFlight--;
    }
  };
}
