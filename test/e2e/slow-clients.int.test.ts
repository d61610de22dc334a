import { type ChildProcess, spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { freePort, redisForTest } from '@signalbox/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { post, pushDelivery, repoRoot, until } from './stack.ts';

/**
 * Slow clients against `signalbox start event-listener` (a process, so Node's header and request
 * timeouts are the ones main.ts sets): 1 000 idle connections and a slowloris sender (one header
 * byte a second) while signed deliveries keep getting 202. Complements
 * services/event-listener/test/hostile-load.int.test.ts (stalled bodies, unsigned floods, shutdown).
 */
const { url, prefix } = redisForTest(import.meta.url);
let child: ChildProcess | undefined;
const sockets: Socket[] = [];
afterAll(() => {
  for (const s of sockets) s.destroy();
  child?.kill('SIGKILL');
});

describe('slow clients', () => {
  it('1 000 idle connections and a slowloris sender: signed deliveries get 202 with a median under 100 ms; the slowloris is cut at the header timeout', async () => {
    const port = await freePort();
    const admin = await freePort();
    child = spawn(join(repoRoot, 'node_modules/.bin/signalbox'), ['start', 'event-listener'], {
      cwd: repoRoot,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        REDIS_URL: url,
        SIGNALBOX_QUEUE_PREFIX: prefix,
        SIGNALBOX_CONFIG: join(repoRoot, 'examples/config'),
        SIGNALBOX_SECRETS_DIR: join(repoRoot, 'examples/secrets'),
        SIGNALBOX_RUN_BACKEND: 'dry-run',
        PORT: String(port),
        ADMIN_PORT: String(admin),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    await until('the listener', async () => {
      const res = await fetch(`http://127.0.0.1:${admin}/readyz`).catch(() => undefined);
      await res?.text();
      return res?.status === 200;
    });

    // 1 000 connections that never send a byte.
    for (let i = 0; i < 1000; i++) {
      const s = connect(port, '127.0.0.1');
      s.on('error', () => {});
      sockets.push(s);
    }
    await until('1 000 idle connections', () => sockets.every((s) => !s.connecting));
    // The slowloris: a request line and headers, one byte a second, never finished.
    const slow = connect(port, '127.0.0.1');
    slow.on('error', () => {});
    sockets.push(slow);
    const request = `POST /hooks/github HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${'X-Slow: a\r\n'.repeat(100)}`;
    let sent = 0;
    const slowClosed = new Promise<number>((resolve) => slow.once('close', () => resolve(Date.now())));
    const drip = setInterval(() => {
      if (!slow.destroyed) slow.write(request[sent++ % request.length] ?? 'x');
    }, 1000);
    const slowStarted = Date.now();

    const latencies: number[] = [];
    for (let i = 0; i < 40; i++) {
      const d = pushDelivery(`${i.toString(16).padStart(8, '0')}${'b'.repeat(32)}`);
      const t0 = performance.now();
      const answer = await post(port, 'github', d.raw, d.headers);
      latencies.push(performance.now() - t0);
      expect(answer.status).toBe(202);
      await new Promise((r) => setTimeout(r, 100));
    }
    latencies.sort((a, b) => a - b);
    const median = latencies[Math.floor(latencies.length / 2)]!;
    console.log(`202 latency with 1 000 idle connections and a slowloris: median ${median.toFixed(1)} ms`);
    expect(median).toBeLessThan(100);

    // Node's headersTimeout (10 s, checked every second) ends the slowloris, however it drips.
    const closedAt = await slowClosed;
    clearInterval(drip);
    expect(closedAt - slowStarted).toBeLessThan(20_000);
    expect(sent).toBeGreaterThan(3);
    expect(child.exitCode).toBeNull();
  });
});
