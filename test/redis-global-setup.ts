import { startRedisServer } from '@signalbox/testkit';
import type { TestProject } from 'vitest/node';

/** Integration tests get a real Redis: REDIS_URL if set, else a redis-server of this run's own. */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const fromEnv = process.env.REDIS_URL;
  if (fromEnv) {
    project.provide('redisUrl', fromEnv);
    const shown = new URL(fromEnv);
    if (shown.password) shown.password = '***';
    console.log(`integration tests on Node ${process.version}, Redis from REDIS_URL (${shown})`);
    return undefined;
  }
  const server = await startRedisServer();
  project.provide('redisUrl', server.url);
  console.log(
    `integration tests on Node ${process.version}, redis-server started for this run at ${server.url}`,
  );
  return () => server.stop();
}
