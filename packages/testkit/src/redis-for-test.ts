import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

/**
 * The Redis URL of this test run (see test/redis-global-setup.ts) and a key prefix unique to the
 * calling test file, so files running in parallel never see each other's keys.
 */
export function redisForTest(fileUrl: string): { url: string; prefix: string } {
  const name = basename(new URL(fileUrl).pathname).replace(/\W+/g, '-');
  return { url: inject('redisUrl'), prefix: `sbtest-${name}-${randomBytes(4).toString('hex')}` };
}
