// event-listener throughput and latency: the full intake path (HMAC + 10 triggers with CEL +
// enqueue + ledger, 7 KB GitHub push) next to a bare Fastify JSON-echo endpoint, both measured in
// this run with autocannon at 10 connections for 8 s each. Loopback only; the server runs in its
// own process, with its own redis-server.
//   npm run bench -- event-listener
import { spawn } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { startRedisServer } from '@signalbox/testkit';
import autocannon from 'autocannon';
import { sevenKbPush } from './seven-kb-push.ts';

const push = sevenKbPush();
const body = JSON.stringify(push);
const signature = `sha256=${createHmac('sha256', 'bench-secret').update(body).digest('hex')}`;

async function measure(mode: 'bare' | 'full', redisUrl: string) {
  const server = spawn(
    process.execPath,
    [fileURLToPath(new URL('./event-listener-server.ts', import.meta.url)), mode],
    {
      env: { ...process.env, REDIS_URL: redisUrl },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const port = await new Promise<number>((resolve) =>
    server.stdout.once('data', (c: Buffer) => resolve(Number(c.toString().trim()))),
  );
  const run = (duration: number) =>
    autocannon({
      url: `http://127.0.0.1:${port}/hooks/github`,
      connections: 10,
      duration,
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'push',
        'x-hub-signature-256': signature,
      },
      body,
      // A fresh delivery id per request, or dedup would answer most of them.
      requests: [
        {
          setupRequest: (req) => ({ ...req, headers: { ...req.headers, 'x-github-delivery': randomUUID() } }),
        },
      ],
    });
  await run(2); // warm-up (JIT, connections)
  const result = await run(8);
  server.kill('SIGTERM');
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${mode}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}

const redis = await startRedisServer();
try {
  const bare = await measure('bare', redis.url);
  const full = await measure('full', redis.url);
  console.log(`7 KB push, 10 connections, 8 s each (Node ${process.version})`);
  console.log(
    `bare Fastify JSON echo   ${bare.rps.toFixed(0).padStart(7)} req/s   p50 ${bare.p50} ms   p99 ${bare.p99} ms`,
  );
  console.log(
    `full intake path         ${full.rps.toFixed(0).padStart(7)} req/s   p50 ${full.p50} ms   p99 ${full.p99} ms`,
  );
  console.log(`ratio full / bare: ${((full.rps / bare.rps) * 100).toFixed(0)} % of req/s`);
  console.log(
    `target >= 70 % of bare and p99 < 5 ms — ${full.rps / bare.rps >= 0.7 && full.p99 < 5 ? 'met' : 'NOT met'}`,
  );
} finally {
  await redis.stop();
}
