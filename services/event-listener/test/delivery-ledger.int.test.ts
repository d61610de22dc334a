import { createRedis } from '@signalbox/runtime';
import { redisForTest } from '@signalbox/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { DeliveryLedger, type LedgerEntry } from '../src/delivery-ledger.ts';
import { recordDeliveries } from './record-deliveries.ts';

const { url, prefix } = redisForTest(import.meta.url);
const redis = createRedis(url, { forWorker: true });
afterAll(() => redis.disconnect());

const entry = (n: number, deliveryId = `guid-${n}`): LedgerEntry => ({
  record: {
    eventID: `event-${n}`,
    deliveryId,
    listener: 'github',
    receivedAt: new Date(Date.now() + n).toISOString(),
    contentType: 'application/json',
    headers: { 'x-github-event': 'push' },
    bodyBytes: 11,
    repo: n % 2 ? 'org/odd' : 'org/even',
    sha: `sha-${n}`,
    verdicts: [{ name: 'build', fired: true }],
    jobIds: [`run:event-${n}:build:0`],
  },
  body: Buffer.from(`{"n":${n}}`),
});

describe('the delivery ledger', () => {
  it('keeps at most maxRecords: the oldest records are deleted, not only unlisted', async () => {
    const ledger = new DeliveryLedger(redis, {
      prefix: `${prefix}:cap`,
      ttlSeconds: 600,
      maxRecords: 5,
      dedupWindowSeconds: 600,
      trimEvery: 4,
    });
    const record = recordDeliveries(redis, ledger);
    for (let n = 0; n < 12; n += 3) await record([entry(n), entry(n + 1), entry(n + 2)]);
    const listed = await ledger.list({});
    expect(listed.map((r) => r.eventID)).toEqual(['event-11', 'event-10', 'event-9', 'event-8', 'event-7']);
    expect(await ledger.get('event-0')).toBeUndefined();
    expect(
      await redis.exists(`{${prefix}:cap}:delivery:event-0`, `{${prefix}:cap}:delivery:event-0:body`),
    ).toBe(0);
    expect(await ledger.get('event-11')).toMatchObject({ eventID: 'event-11', body: '{"n":11}' });
    // A trimmed delivery is still known as delivered (dedup and recovery do not depend on the cap).
    expect(await ledger.acceptedAs('github', 'guid-0')).toBe('event-0');
    expect(await ledger.knows('guid-0')).toBe(true);
  });

  it('filters by listener, repo and sha, newest first', async () => {
    const ledger = new DeliveryLedger(redis, {
      prefix: `${prefix}:filter`,
      ttlSeconds: 600,
      maxRecords: 100,
      dedupWindowSeconds: 600,
    });
    await recordDeliveries(redis, ledger)([1, 2, 3, 4].map((n) => entry(n)));
    expect((await ledger.list({ repo: 'org/odd' })).map((r) => r.eventID)).toEqual(['event-3', 'event-1']);
    expect((await ledger.list({ sha: 'sha-2' })).map((r) => r.eventID)).toEqual(['event-2']);
    expect(await ledger.list({ listener: 'harbor' })).toEqual([]);
  });

  it('remembers a GitHub delivery id for the ledger TTL, a body hash only for the dedup window', async () => {
    const ledger = new DeliveryLedger(redis, {
      prefix: `${prefix}:ttl`,
      ttlSeconds: 600,
      maxRecords: 100,
      dedupWindowSeconds: 1,
    });
    await recordDeliveries(
      redis,
      ledger,
    )([entry(1, 'a5c3e0f0-0000-4000-8000-000000000001'), entry(2, `sha256:${'ab'.repeat(32)}`)]);
    await new Promise((r) => setTimeout(r, 1_100));
    expect(await ledger.acceptedAs('github', 'a5c3e0f0-0000-4000-8000-000000000001')).toBe('event-1');
    expect(await ledger.acceptedAs('github', `sha256:${'ab'.repeat(32)}`)).toBeNull();
  });
});
