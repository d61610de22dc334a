import { Redis } from 'ioredis';
import type { Logger } from 'pino';

/**
 * An ioredis connection that reconnects forever with capped backoff.
 * `forWorker`: BullMQ workers need `maxRetriesPerRequest: null` (blocking commands survive
 * reconnects). Producers (HTTP intake) must instead fail fast while Redis is down, so a webhook
 * gets a 503 and is redelivered rather than hanging past the sender's timeout.
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
  redis.on('ready', () => {
    if (wasReady) options.logger?.info({ redis: options.name }, 'redis reconnected');
    wasReady = true;
  });
  redis.on('error', (err: Error) => {
    options.logger?.warn({ redis: options.name, err: err.message }, 'redis connection error');
  });
  return redis;
}
