import { startRedisServer } from '@signalbox/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/create-logger.ts';
import { createRedis } from '../src/create-redis.ts';

describe('maxmemory-policy', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const fn of cleanup.reverse()) await fn();
  });

  it('a Redis that may evict (allkeys-lru) is refused as soon as it answers, with what to set', async () => {
    const server = await startRedisServer({ args: ['--maxmemory-policy', 'allkeys-lru'] });
    cleanup.push(() => server.stop());
    const refused = new Promise<string>((resolve) => {
      const redis = createRedis(server.url, {
        logger: createLogger({ level: 'silent' }),
        onRefused: resolve,
      });
      cleanup.push(async () => redis.disconnect());
    });
    const reason = await refused;
    expect(reason).toContain(`Redis at 127.0.0.1:${server.port} has maxmemory-policy allkeys-lru`);
    expect(reason).toContain('needs noeviction');
  });

  it('noeviction (the default) is used without a word', async () => {
    const server = await startRedisServer();
    cleanup.push(() => server.stop());
    let refused: string | undefined;
    const redis = createRedis(server.url, { forWorker: true, onRefused: (r) => (refused = r) });
    cleanup.push(async () => redis.disconnect());
    await redis.set('k', 'v');
    // The check runs on 'ready'; a round trip after it has answered.
    await redis.config('GET', 'maxmemory-policy');
    await redis.ping();
    expect(refused).toBeUndefined();
    expect(redis.status).toBe('ready');
  });
});
