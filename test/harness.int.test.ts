import { redisForTest } from '@signalbox/testkit';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';

const { url, prefix } = redisForTest(import.meta.url);
const redis = new Redis(url, { keyPrefix: `${prefix}:`, lazyConnect: true });
afterAll(() => redis.quit());

describe('test harness', () => {
  it('gives integration tests a real Redis and a per-file key prefix', async () => {
    await redis.set('k', 'v');
    expect(await redis.get('k')).toBe('v');
    expect(prefix).toMatch(/^sbtest-harness-int-test-ts-[0-9a-f]{8}$/);
  });
});
