import { Redis } from 'ioredis';

/**
 * One short-lived connection to a test topology's node on loopback: `fn` runs once connected, then
 * the connection is dropped. No reconnects and no unhandled error events — a node killed or frozen
 * by the test simply rejects (connect timeout `timeoutMs`, default 500 ms).
 */
export async function askRedis<T>(
  port: number,
  fn: (redis: Redis) => Promise<T>,
  timeoutMs = 500,
): Promise<T> {
  const redis = new Redis({
    port,
    host: '127.0.0.1',
    lazyConnect: true,
    retryStrategy: () => null,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
  });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return await fn(redis);
  } finally {
    redis.disconnect();
  }
}
