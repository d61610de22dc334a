import type { Redis } from 'ioredis';

/** Readiness check: true only while the connection is established and usable. */
export function redisReadiness(redis: Redis): () => boolean {
  return () => redis.status === 'ready';
}
