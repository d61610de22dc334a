import { imageUpdatesQueue, notificationsQueue, runsQueue } from '@signalbox/contracts';
import { createProducer } from '@signalbox/runtime';
import type { Redis } from 'ioredis';
import type { DeliveryLedger, LedgerEntry } from '../src/delivery-ledger.ts';
import { type CommitResult, createDeliveryStore } from '../src/delivery-store.ts';

/**
 * Writes ledger entries (deliveries without jobs) the way the intake does, through the delivery
 * store's commit script; entries given in one call are committed as one batch.
 */
export function recordDeliveries(
  redis: Redis,
  ledger: DeliveryLedger,
): (entries: readonly LedgerEntry[]) => Promise<CommitResult[]> {
  const prefix = `${ledger.options.prefix}:queues`;
  const store = createDeliveryStore({
    redis,
    ledger,
    producers: {
      runs: createProducer(runsQueue, { connection: redis, prefix }),
      imageUpdates: createProducer(imageUpdatesQueue, { connection: redis, prefix }),
      notifications: createProducer(notificationsQueue, { connection: redis, prefix }),
    },
  });
  return (entries) =>
    Promise.all(entries.map((e) => store.commit({ ...e, runs: [], imageUpdates: [], notifications: [] })));
}
