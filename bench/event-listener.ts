// event-listener throughput and latency: the full intake path (HMAC + 10 triggers with CEL +
// dedup + enqueue + ledger, 7 KB GitHub push) next to a bare Fastify JSON-echo endpoint and a
// naive path (the same engine, one awaited add per job, no dedup, no ledger), all measured in
// this run with autocannon at 10 connections. Loopback only; each server runs in its own process,
// on a redis-server of this run. Rounds alternate bare / naive / full (3 × 5 s each after a
// warm-up) and the medians are printed, so a neighbour's burst of CPU on a shared machine hits
// all sides alike; CPU time per request of each server process, and of redis-server, is printed
// as well, with the listener's CPU budget per request at the target (the machine is shared by the
// load generator, the listener and Redis).
//   npm run bench -- event-listener
import { type ChildProcess, spawn } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { runsQueue } from '@signalbox/contracts';
import { createRedis } from '@signalbox/runtime';
import { startRedisServer } from '@signalbox/testkit';
import autocannon from 'autocannon';
import { sevenKbPush } from './seven-kb-push.ts';

const rounds = 3;
const seconds = 5;
const body = JSON.stringify(sevenKbPush());
const signature = `sha256=${createHmac('sha256', 'bench-secret').update(body).digest('hex')}`;
/**
 * A delivery GitHub could send: its own delivery id and its own body (the listener dedups a signed
 * body repeated under a new delivery id, so one body for every request would measure duplicates).
 */
function freshDelivery(): { body: string; signature: string } {
  const unique = body.replace('"after":"', `"after":"${randomUUID().slice(0, 8)}`);
  if (unique === body) throw new Error('the bench push has no "after" field to vary');
  return {
    body: unique,
    signature: `sha256=${createHmac('sha256', 'bench-secret').update(unique).digest('hex')}`,
  };
}

async function startServer(mode: 'bare' | 'naive' | 'full', redisUrl: string) {
  const child: ChildProcess = spawn(
    process.execPath,
    [fileURLToPath(new URL('./event-listener-server.ts', import.meta.url)), mode],
    { env: { ...process.env, REDIS_URL: redisUrl }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${mode} server exited with ${code}`)));
    child.stdout?.once('data', (c: Buffer) => resolve(Number(c.toString().trim())));
  });
  const cpu = async () =>
    ((await (await fetch(`http://127.0.0.1:${port}/bench/cpu`)).json()) as { micros: number }).micros;
  return { mode, port, cpu, stop: () => child.kill('SIGTERM') };
}

type Server = Awaited<ReturnType<typeof startServer>>;
type Round = Awaited<ReturnType<typeof measure>>;

/** CPU seconds the redis-server has used so far (its own INFO: user + system, all threads). */
async function redisCpu(): Promise<number> {
  const info = await probe.info('cpu');
  return [...info.matchAll(/used_cpu_(?:sys|user):([\d.]+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
}

async function measure(server: Server, duration: number) {
  const before = await server.cpu();
  const redisBefore = await redisCpu();
  const result = await autocannon({
    url: `http://127.0.0.1:${server.port}/hooks/github`,
    connections: 10,
    duration,
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'push',
      'x-hub-signature-256': signature,
    },
    body,
    // A fresh delivery id and body per request, or dedup would answer most of them.
    requests: [
      {
        setupRequest: (req) => {
          const delivery = freshDelivery();
          return {
            ...req,
            body: delivery.body,
            headers: {
              ...req.headers,
              'x-github-delivery': randomUUID(),
              'x-hub-signature-256': delivery.signature,
            },
          };
        },
      },
    ],
  });
  const cpuMicros = (await server.cpu()) - before;
  const redisMicros = ((await redisCpu()) - redisBefore) * 1e6;
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${server.mode}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return {
    total: result.requests.total,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    cpuPerRequest: cpuMicros / result.requests.total,
    redisPerRequest: redisMicros / result.requests.total,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

const redis = await startRedisServer();
const probe = createRedis(redis.url, { forWorker: true });
const servers: Server[] = [];
try {
  const modes = ['bare', 'naive', 'full'] as const;
  for (const mode of modes) servers.push(await startServer(mode, redis.url));
  const results: Record<(typeof modes)[number], Round[]> = { bare: [], naive: [], full: [] };
  let fullRequests = 0;
  for (const server of servers) {
    const warm = await measure(server, 2);
    if (server.mode === 'full') fullRequests += warm.total;
  }
  for (let i = 0; i < rounds; i++) {
    for (const server of servers) {
      const r = await measure(server, seconds);
      results[server.mode].push(r);
      if (server.mode === 'full') fullRequests += r.total;
    }
  }
  // The full path's work is really done: one PipelineRun job per accepted delivery (autocannon
  // counts the answers it waited for; the last few requests of each round are answered after).
  const jobs = await probe.llen(`bench:${runsQueue.name}:wait`);

  const rps = (mode: keyof typeof results) => median(results[mode].map((r) => r.rps));
  const line = (name: string, rs: Round[]) =>
    `${name.padEnd(30)} ${median(rs.map((r) => r.rps))
      .toFixed(0)
      .padStart(
        6,
      )} req/s   p50 ${median(rs.map((r) => r.p50))} ms   p99 ${median(rs.map((r) => r.p99))} ms   server CPU ${median(rs.map((r) => r.cpuPerRequest)).toFixed(0)} µs/request   Redis CPU ${median(rs.map((r) => r.redisPerRequest)).toFixed(0)} µs/request`;
  const fullP99 = median(results.full.map((r) => r.p99));
  console.log(
    `7 KB push, 10 connections, medians of ${rounds} alternating ${seconds} s rounds (Node ${process.version})`,
  );
  console.log(line('bare Fastify JSON echo', results.bare));
  console.log(line('naive (engine + awaited add)', results.naive));
  console.log(line('full intake path', results.full));
  for (const mode of modes)
    console.log(`  rounds ${mode.padEnd(5)} ${results[mode].map((r) => r.rps.toFixed(0)).join(' / ')} req/s`);
  console.log(`jobs enqueued by the full path: ${jobs} (answered requests: ${fullRequests})`);
  console.log(
    `ratio full / bare: ${((rps('full') / rps('bare')) * 100).toFixed(0)} % of req/s (naive / bare: ${((rps('naive') / rps('bare')) * 100).toFixed(0)} %)`,
  );
  const cpu = (mode: keyof typeof results, key: 'cpuPerRequest' | 'redisPerRequest') =>
    median(results[mode].map((r) => r[key])).toFixed(0);
  console.log(
    `at 70 % of bare req/s a listener has ${(1e6 / (0.7 * rps('bare'))).toFixed(0)} µs of CPU per request; the full path uses ${cpu('full', 'cpuPerRequest')} µs in the listener and ${cpu('full', 'redisPerRequest')} µs in Redis`,
  );
  console.log(
    `target >= 70 % of bare and p99 < 5 ms — ${rps('full') / rps('bare') >= 0.7 && fullP99 < 5 ? 'met' : 'NOT met'}`,
  );
} finally {
  for (const s of servers) s.stop();
  probe.disconnect();
  await redis.stop();
}
