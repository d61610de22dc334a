import type { Redis } from 'ioredis';
import type { DeliveryLedger, DeliveryRecord } from '../delivery-ledger.ts';
import { parseRefusal } from '../refusal-log.ts';

/**
 * A refusal by its id (validated as a UUID by the route, so it holds no glob character): a scan
 * of the refusals set for the member it leads, bounded by the set's cap.
 */
export async function findRefusal(
  redis: Redis,
  ledger: Pick<DeliveryLedger, 'refusalsKey'>,
  id: string,
): Promise<Omit<DeliveryRecord, 'body'> | undefined> {
  let cursor = '0';
  do {
    const [next, flat] = await redis.zscan(ledger.refusalsKey, cursor, 'MATCH', `${id}*`, 'COUNT', 1000);
    if (flat[0] !== undefined) return parseRefusal(flat[0]);
    cursor = next;
  } while (cursor !== '0');
  return undefined;
}
