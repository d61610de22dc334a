import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { describeRedisError } from './describe-redis-error.ts';

/**
 * An ioredis connection that reconnects forever with capped backoff.
 * `forWorker`: BullMQ workers need `maxRetriesPerRequest: null` (blocking commands survive
 * reconnects). Producers (HTTP intake) must instead fail fast while Redis is down, so a webhook
 * gets a 503 and is redelivered rather than hanging past the sender's timeout.
 *
 * Logs state changes only: one warn line when Redis cannot be reached (or the reason changes),
 * one info line when it is back. ioredis emits an error for every reconnect attempt — dozens a
 * minute — and repeating each would bury the one line that says what is wrong.
 */
export function createRedis(
  url: string,
  options: { name?: string; logger?: Logger; forWorker?: boolean; lazyConnect?: boolean } = {},
): Redis {
  const redis = new Redis(url, {
    connectionName: options.name ?? 'signalbox',
    lazyConnect: options.lazyConnect ?? false,
    retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 6), 5_000),
    ...(options.forWorker
      ? { maxRetriesPerRequest: null }
      : { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2_000 }),
  });
  let wasReady = false;
  let down: string | undefined;
  redis.on('ready', () => {
    if (down !== undefined) options.logger?.info({ redis: options.name }, 'redis reachable again');
    else if (wasReady) options.logger?.info({ redis: options.name }, 'redis reconnected');
    wasReady = true;
    down = undefined;
  });
  redis.on('error', (err: Error) => {
    const reason = describeRedisError(url, err);
    if (reason === down) return;
    down = reason;
    options.logger?.warn({ redis: options.name, err: err.message }, `${reason}; retrying`);
  });
  return redis;
}
