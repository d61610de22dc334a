import type { Redis } from 'ioredis';
import { createRedis, describeTopology } from './create-redis.ts';
import { describeRedisError } from './describe-redis-error.ts';
import type { RedisTopology } from './read-redis-topology.ts';

/**
 * A connection for a short-lived command (the CLI) to the configured topology (a URL, Sentinel or
 * Cluster): one connect attempt bounded by `timeoutMs` (default 5 s), no reconnects. Rejects with
 * one readable line (`cannot reach Redis at 127.0.0.1:6399: connection refused`) instead of
 * retrying forever, so a command never hangs on a Redis that is not there.
 */
export async function connectRedisOnce(
  topology: RedisTopology | string,
  options: { name?: string; timeoutMs?: number } = {},
): Promise<Redis> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const redis = createRedis(topology, {
    name: options.name ?? 'signalbox-cli',
    lazyConnect: true,
    forWorker: true,
    once: true,
  });
  // connect() itself rejects with a bare "Connection is closed"; the reason is in the error event.
  let reason: unknown;
  redis.on('error', (err) => {
    reason ??= err;
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      redis.connect(),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })),
          timeoutMs,
        );
      }),
    ]);
    return redis;
  } catch (err) {
    redis.disconnect();
    throw new Error(describeRedisError(describeTopology(topology), reason ?? err), { cause: reason ?? err });
  } finally {
    clearTimeout(timer);
  }
}
