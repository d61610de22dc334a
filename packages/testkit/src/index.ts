export { freePort } from './free-port.ts';
export { redisForTest } from './redis-for-test.ts';
export { type RedisServer, startRedisServer } from './redis-server.ts';
