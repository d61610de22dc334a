import { startRedisServer } from '@signalbox/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { createContractWorker } from '../src/create-contract-worker.ts';
import { createLogger } from '../src/create-logger.ts';
import { createRedis } from '../src/create-redis.ts';
import { redisReadiness } from '../src/redis-readiness.ts';
import { startHealthServer } from '../src/start-health-server.ts';
import { sleepyQueue } from './fixtures/sleepy-queue.ts';

async function until(predicate: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('/readyz follows the Redis connection', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const fn of cleanup.reverse()) await fn();
  });

  it('is 200 while Redis is up, 503 while it is down, and 200 again after it comes back', async () => {
    const server = await startRedisServer();
    cleanup.push(() => server.stop());
    const redis = createRedis(server.url, { logger: createLogger({ level: 'silent' }) });
    cleanup.push(async () => redis.disconnect());
    const health = await startHealthServer({
      port: 0,
      host: '127.0.0.1',
      checks: [{ name: 'redis', check: redisReadiness(redis) }],
    });
    cleanup.push(() => health.close());
    const readyz = async () => {
      const res = await fetch(`http://127.0.0.1:${health.port}/readyz`);
      return { status: res.status, body: (await res.json()) as { checks: Record<string, boolean> } };
    };

    await until(async () => (await readyz()).status === 200);
    expect((await readyz()).body.checks.redis).toBe(true);

    await server.stop();
    await until(async () => (await readyz()).status === 503);
    expect((await readyz()).body.checks.redis).toBe(false);
    expect((await fetch(`http://127.0.0.1:${health.port}/healthz`)).status).toBe(200);

    await server.restart();
    await until(async () => (await readyz()).status === 200);
    expect(await redis.ping()).toBe('PONG');
  });

  it('a worker whose Redis is gone closes at once instead of holding shutdown until its timeout', async () => {
    const server = await startRedisServer();
    cleanup.push(() => server.stop());
    const logs: string[] = [];
    const logger = createLogger({ level: 'warn', destination: { write: (line: string) => logs.push(line) } });
    const connection = createRedis(server.url, { forWorker: true });
    cleanup.push(async () => connection.disconnect());
    const worker = createContractWorker(sleepyQueue, async () => 'done', { connection, logger });
    await worker.waitUntilReady();
    await server.stop();
    await until(async () => connection.status !== 'ready');

    // BullMQ's own graceful close waits for Redis to come back (forever); give it a generous bound.
    const outcome = await Promise.race([
      worker.close().then(() => 'closed'),
      new Promise((r) => setTimeout(() => r('still closing after 5 s'), 5_000)),
    ]);
    expect(outcome).toBe('closed');
    expect(logs.join('')).toContain('redis unreachable at shutdown: closing without waiting');
  });
});
