import { startRedisServer } from '@signalbox/testkit';
import type { TestProject } from 'vitest/node';

/** Integration tests get a real Redis: REDIS_URL if set, else a redis-server of this run's own. */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const fromEnv = process.env.REDIS_URL;
  if (fromEnv) {
    project.provide('redisUrl', fromEnv);
    return undefined;
  }
  const server = await startRedisServer();
  project.provide('redisUrl', server.url);
  return () => server.stop();
}
