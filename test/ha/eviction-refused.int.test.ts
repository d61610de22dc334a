import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort, type RedisServer, startRedisServer } from '@signalbox/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../e2e/stack.ts';

describe('a Redis that may evict', () => {
  let server: RedisServer | undefined;
  afterAll(async () => {
    await server?.stop();
  });

  it('`signalbox start` refuses maxmemory-policy allkeys-lru at start, saying what to set, and exits 1', async () => {
    server = await startRedisServer({ args: ['--maxmemory-policy', 'allkeys-lru'] });
    const child = spawn(join(repoRoot, 'node_modules/.bin/signalbox'), ['start', 'run-scheduler'], {
      env: {
        PATH: process.env.PATH,
        REDIS_URL: server.url,
        ADMIN_PORT: String(await freePort()),
        SIGNALBOX_RUN_BACKEND: 'dry-run',
        SIGNALBOX_OUT_DIR: join(repoRoot, 'node_modules/.cache/sb-eviction-test'),
        LOG_FORMAT: 'json',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    const line = output.split('\n').find((l) => l.includes('maxmemory-policy allkeys-lru'));
    console.log(`refused: ${line}`);
    expect(code).toBe(1);
    expect(output).toContain(
      `Redis at 127.0.0.1:${server.port} has maxmemory-policy allkeys-lru; Signalbox (BullMQ) needs noeviction`,
    );
  });
});
