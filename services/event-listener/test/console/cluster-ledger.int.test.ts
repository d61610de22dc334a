import { randomUUID } from 'node:crypto';
import { imageUpdatesQueue, notificationsQueue, runsQueue } from '@signalbox/contracts';
import { createProducer, createRedis, readConfig } from '@signalbox/runtime';
import { type RedisCluster, startRedisCluster } from '@signalbox/testkit';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listDeliveries } from '../../src/console/list-deliveries.ts';
import { DeliveryLedger } from '../../src/delivery-ledger.ts';
import { createDeliveryStore, type DurableWrite } from '../../src/delivery-store.ts';

let cluster: RedisCluster;
let redis: Redis;

beforeAll(async () => {
  cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 0 });
  await cluster.waitHealthy();
  const { redis: topology } = readConfig({
    REDIS_CLUSTER_NODES: cluster.addresses,
    REDIS_WAIT_REPLICAS: '0',
  });
  redis = createRedis(topology, { forWorker: true });
}, 60_000);
afterAll(async () => {
  redis?.disconnect();
  await cluster?.stop();
});

describe('duplicates and refusals on Redis Cluster', () => {
  it('records both in the ledger slot beside the per-slot commit, and the console lists them', async () => {
    const prefix = `cl-${randomUUID().slice(0, 8)}`;
    const ledger = new DeliveryLedger(redis, {
      prefix: `${prefix}:ledger`,
      ttlSeconds: 600,
      maxRecords: 100,
      dedupWindowSeconds: 600,
    });
    const producers = {
      runs: createProducer(runsQueue, { connection: redis, prefix }),
      imageUpdates: createProducer(imageUpdatesQueue, { connection: redis, prefix }),
      notifications: createProducer(notificationsQueue, { connection: redis, prefix }),
    };
    const store = createDeliveryStore({ redis, producers, ledger });
    const eventID = randomUUID();
    const write: DurableWrite = {
      record: {
        eventID,
        deliveryId: randomUUID(),
        listener: 'ci',
        receivedAt: new Date().toISOString(),
        contentType: 'application/json',
        headers: { 'x-github-event': 'push' },
        bodyBytes: 2,
        verdicts: [{ name: 'build', fired: true }],
        jobIds: [],
      },
      body: Buffer.from('{}'),
      runs: [],
      imageUpdates: [],
      notifications: [],
    };
    expect(await store.commit(write)).toEqual({});
    expect(await store.commit(write)).toEqual({ duplicateOf: eventID });
    expect(await store.duplicate(write, eventID)).toEqual([{ name: 'build', fired: true }]);
    await store.refuse({ listener: 'ci', status: 413, error: 'payload_too_large', headers: {} });

    const page = await listDeliveries(redis, ledger, { filter: {}, limit: 10, maxScan: 100 });
    expect(page.items.map((r) => r.duplicateOf ?? r.error ?? r.eventID)).toEqual([
      'payload_too_large',
      eventID,
      eventID,
    ]);
    await Promise.all(Object.values(producers).map((p) => p.close()));
  });
});
