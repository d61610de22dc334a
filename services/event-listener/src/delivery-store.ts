import type {
  ImageUpdateJob,
  imageUpdatesQueue,
  NotificationJob,
  notificationsQueue,
  RunJob,
  runsQueue,
} from '@signalbox/contracts';
import type { Producer } from '@signalbox/runtime';
import type { DeliveryLedger, LedgerEntry, StoredVerdict } from './delivery-ledger.ts';
import { microBatch } from './micro-batch.ts';

/** One producer per queue the listener feeds. */
export interface Producers {
  readonly runs: Producer<typeof runsQueue>;
  readonly imageUpdates: Producer<typeof imageUpdatesQueue>;
  readonly notifications: Producer<typeof notificationsQueue>;
}

/** What one delivery must have in Redis before it is acknowledged. */
export interface DurableWrite extends LedgerEntry {
  readonly runs: readonly RunJob[];
  readonly imageUpdates: readonly ImageUpdateJob[];
  readonly notifications: readonly NotificationJob[];
}

/** The intake's two Redis operations, each grouped across concurrent deliveries. */
export interface DeliveryStore {
  /** The event id this delivery was accepted under within the dedup window, else null. */
  acceptedAs(listener: string, deliveryId: string): Promise<string | null>;
  /** Resolves once the delivery's jobs, and after them its ledger record, are in Redis. */
  commit(write: DurableWrite): Promise<void>;
  /** The verdicts a delivery got when it was accepted (duplicates answer with them); [] if gone. */
  verdictsOf(eventID: string): Promise<readonly StoredVerdict[]>;
}

/**
 * Deliveries arriving together are looked up together (one MGET) and written together: all their
 * jobs in one bulk add per queue, then — only once every job is stored — all their ledger records
 * in one script call. Under load that turns three Redis round trips per delivery into three per
 * batch. The order is what makes a 503 safe: a delivery marked seen always has its jobs, and a
 * batch that failed half way is redone by the sender's redelivery with the same job ids.
 */
export function createDeliveryStore(deps: {
  producers: Producers;
  ledger: Pick<DeliveryLedger, 'acceptedAsMany' | 'recordMany' | 'summary'>;
}): DeliveryStore {
  // A few batches in flight at once: Redis works on one while the listener evaluates the next.
  const inFlight = { maxInFlight: 4 };
  const lookup = microBatch(
    (keys: readonly { listener: string; deliveryId: string }[]) => deps.ledger.acceptedAsMany(keys),
    inFlight,
  );
  const commit = microBatch(async (writes: readonly DurableWrite[]) => {
    await Promise.all([
      deps.producers.runs.addBulk(writes.flatMap((w) => w.runs)),
      deps.producers.imageUpdates.addBulk(writes.flatMap((w) => w.imageUpdates)),
      deps.producers.notifications.addBulk(writes.flatMap((w) => w.notifications)),
    ]);
    await deps.ledger.recordMany(writes);
    return writes.map(() => undefined);
  }, inFlight);
  return {
    acceptedAs: (listener, deliveryId) => lookup({ listener, deliveryId }),
    commit,
    verdictsOf: async (eventID) => (await deps.ledger.summary(eventID))?.verdicts ?? [],
  };
}
