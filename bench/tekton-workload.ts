// Tekton Triggers' own EventListener workload, end to end, next to the figures Tekton's sink made
// on this machine: one EventListener, 10 triggers (github interceptor for push + a CEL filter + a
// template creating a tekton.dev/v1 PipelineRun), a 7 KB signed push. Every part is its own
// process: the event-listener and the run-scheduler (`signalbox start <service>`), a redis-server
// of this run (AOF everysec) and bench/lean-kube-api.ts, a Kubernetes API that costs close to
// nothing per create and prints each delivery whose PipelineRuns all exist.
//   profile "10 of 10": all ten triggers fire (Tekton's measurement);
//   profile "1 of 10":  one fires (the common case).
// Closed loop, bounded: 10 connections, and at most `window` deliveries sent but not yet fully
// processed, so the run measures what the whole chain sustains instead of a queue growing in
// Redis. First 100 deliveries/s paced (the latency and memory goals, on processes not yet
// saturated); then the rounds, alternating between the profiles (medians are printed); then an
// overload at twice the measured capacity against a small SIGNALBOX_MAX_BACKLOG (the
// back-pressure: 503 + Retry-After, flat memory).
// CPU per delivery: /proc/<pid>/stat of each process (Redis: INFO cpu), across the round until
// its last PipelineRun exists. Peak RSS: VmHWM, reset (clear_refs 5) before each phase.
//   npm run bench -- tekton-workload
import { type ChildProcess, spawn } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createRedis } from '@signalbox/runtime';
import { freePort, startRedisServer } from '@signalbox/testkit';
import { deployedLauncher } from './deployed-tree.ts';
import { serviceNodeOptions } from './service-node-options.ts';
import { sevenKbPush } from './seven-kb-push.ts';

const connections = 10;
const window = 100;
// BENCH_ROUNDS / BENCH_ROUND_SECONDS shorten a profiling run.
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const roundSeconds = Number(process.env.BENCH_ROUND_SECONDS ?? 6);
const pacedRate = 100;
const pacedSeconds = 8;
const overloadSeconds = 5;
// Deliveries whose runs wait (one runs job each): at the 10-of-10 profile, 2 000 PipelineRuns.
const overloadBacklog = 200;
const secret = 'bench-secret';
const tekton = { deliveries: [40, 47], cpuMs: [15, 17], p99Ms: [1100, 1800], rssMb: [550, 1100] };

const { cli, tree } = deployedLauncher();
const root = mkdtempSync(join(tmpdir(), 'sb-tekton-workload-'));
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (xs: readonly number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))] ?? Number.NaN;
const median = (xs: readonly number[]) => pct(xs, 50);

/** Tekton's workload as a Signalbox config: trigger i fires for `main` and for `t<i>`. */
function writeConfig(): { config: string; secrets: string } {
  const config = join(root, 'config');
  const secrets = join(root, 'secrets');
  mkdirSync(config);
  mkdirSync(join(secrets, 'github'), { recursive: true });
  writeFileSync(join(secrets, 'github', 'token'), secret);
  const trigger = (i: number) => `    - name: build-${i}
      interceptors:
        - ref: {name: github}
          params:
            - {name: secretRef, value: {secretName: github, secretKey: token}}
            - {name: eventTypes, value: [push]}
        - ref: {name: cel}
          params:
            - name: filter
              value: "(body.ref == 'refs/heads/main' || body.ref == 'refs/heads/t${i}') && !body.commits[0].message.startsWith('[Update manifest]')"
      bindings:
        - {name: sha, value: $(body.after)}
        - {name: repo, value: $(body.repository.full_name)}
        - {name: url, value: $(body.repository.clone_url)}
      template:
        spec:
          params: [{name: sha}, {name: repo}, {name: url}]
          resourcetemplates:
            - apiVersion: tekton.dev/v1
              kind: PipelineRun
              metadata: {generateName: build-${i}-}
              spec:
                pipelineRef: {name: build-${i}}
                params:
                  - {name: revision, value: $(tt.params.sha)}
                  - {name: repo, value: $(tt.params.repo)}
                  - {name: url, value: $(tt.params.url)}
`;
  writeFileSync(
    join(config, 'listener.yaml'),
    `apiVersion: triggers.tekton.dev/v1beta1\nkind: EventListener\nmetadata: {name: github, namespace: ci}\nspec:\n  triggers:\n${Array.from({ length: 10 }, (_v, i) => trigger(i)).join('')}`,
  );
  return { config, secrets };
}

interface Proc {
  readonly name: string;
  readonly pid: number;
  readonly child?: ChildProcess;
  /** The service's admin port (/metrics). */
  readonly adminPort?: number;
}

/** CPU seconds of a process so far: utime + stime of /proc/<pid>/stat. */
function procCpu(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
/** Write system calls of a process so far (/proc/<pid>/io): batching shows here first. */
const procWrites = (pid: number) =>
  Number(/syscw:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1] ?? Number.NaN);
const statusKb = (pid: number, field: 'VmHWM' | 'VmRSS') =>
  Number(
    new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? Number.NaN,
  );
/** Resets VmHWM to the current RSS, so the next peak is this phase's. */
const resetPeak = (pid: number) => writeFileSync(`/proc/${pid}/clear_refs`, '5');

async function startService(service: string, env: NodeJS.ProcessEnv, adminPort: number): Promise<Proc> {
  // BENCH_CPU_PROF=<dir>: each service writes a V8 CPU profile there when it stops.
  const profile = process.env.BENCH_CPU_PROF
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
    : [];
  const child = spawn(process.execPath, [...profile, cli, 'start', service], {
    cwd: root,
    env: {
      ...env,
      ADMIN_PORT: String(adminPort),
      // V8's heap flags as deployed, or BENCH_NODE_OPTIONS (heap sizing experiments).
      NODE_OPTIONS: serviceNodeOptions(service),
      // glibc's malloc tunables (MALLOC_ARENA_MAX, MALLOC_MMAP_THRESHOLD_, …): RSS experiments.
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('MALLOC_'))),
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${service} exited with ${child.exitCode}`);
    const res = await fetch(`http://127.0.0.1:${adminPort}/readyz`).catch(() => undefined);
    await res?.text();
    if (res?.status === 200) break;
    if (Date.now() > deadline) throw new Error(`${service} did not become ready`);
    await sleep(100);
  }
  return { name: service, pid: child.pid ?? 0, child, adminPort };
}

// --- the processes -------------------------------------------------------------------------

const redisServer = await startRedisServer({ persist: true, appendfsync: 'everysec' });
const probe = createRedis(redisServer.url, { forWorker: true });
const redisPid = Number(/process_id:(\d+)/.exec(await probe.info('server'))?.[1]);
async function redisCpu(): Promise<number> {
  const info = await probe.info('cpu');
  return [...info.matchAll(/used_cpu_(?:sys|user):([\d.]+)/g)].reduce((s, m) => s + Number(m[1]), 0);
}

const fake = spawn(process.execPath, [fileURLToPath(new URL('./lean-kube-api.ts', import.meta.url))], {
  stdio: ['pipe', 'pipe', 'inherit'],
});
const lines = createInterface({ input: fake.stdout });
const kubeconfig = await new Promise<string>((resolve, reject) => {
  lines.once('line', resolve);
  fake.once('exit', (code) => reject(new Error(`the lean API exited with ${code}`)));
});

/** Deliveries sent and not yet fully processed: id → send time (epoch ms). */
const outstanding = new Map<string, number>();
let e2e: number[] = [];
let lastDone = 0;
let waiters: Array<() => void> = [];
lines.on('line', (line) => {
  const [word, id, at] = line.split(' ');
  if (word !== 'done' || !id) return;
  const sent = outstanding.get(id);
  if (sent === undefined) return;
  outstanding.delete(id);
  lastDone = Number(at);
  e2e.push(lastDone - sent);
  const wake = waiters;
  waiters = [];
  for (const w of wake) w();
});
const someDone = () => new Promise<void>((r) => waiters.push(r));

const { config, secrets } = writeConfig();
const port = await freePort();
const env: NodeJS.ProcessEnv = {
  PATH: process.env.PATH,
  HOME: join(root, 'home'),
  REDIS_URL: redisServer.url,
  SIGNALBOX_CONFIG: config,
  SIGNALBOX_SECRETS_DIR: secrets,
  SIGNALBOX_RUN_BACKEND: 'kubernetes',
  KUBECONFIG: kubeconfig,
  PORT: String(port),
  HOST: '127.0.0.1',
  LOG_FORMAT: 'json',
  LOG_LEVEL: 'warn',
  SIGNALBOX_MAX_BACKLOG: String(overloadBacklog),
  ...(process.env.SIGNALBOX_RUN_CONCURRENCY
    ? { SIGNALBOX_RUN_CONCURRENCY: process.env.SIGNALBOX_RUN_CONCURRENCY }
    : {}),
};
mkdirSync(join(root, 'home'));
const [listener, scheduler] = await Promise.all([
  startService('event-listener', env, await freePort()),
  startService('run-scheduler', env, await freePort()),
]);
if (!listener || !scheduler) throw new Error('unreachable');
const signalbox: Proc[] = [listener, scheduler];
const fakeProc: Proc = { name: 'lean API', pid: fake.pid ?? 0 };
const redisProc: Proc = { name: 'redis', pid: redisPid };

// --- the load ------------------------------------------------------------------------------

const body = JSON.stringify(sevenKbPush());
const afterAt = body.indexOf('"after":"') + '"after":"'.length;
if (!/^[0-9a-f]{40}"/.test(body.slice(afterAt))) throw new Error('the push has no 40-digit "after"');
const agent = new Agent({ keepAlive: true, maxSockets: connections });

/** One push as GitHub sends it, to `ref`; resolves with its status and time to the answer. */
function push(ref: string): Promise<{ status: number; ms: number; id: string; retryAfter?: string }> {
  const id = randomUUID();
  // Every body distinct (the listener answers a body it has seen as a duplicate, creating
  // nothing): the delivery id's 32 hex digits over the start of the 40-digit sha. An 8-digit
  // prefix, as before, collides with a probability of about n²/2³³: ~0.1 for the ~30 000 pushes of
  // one profile in a run, once throughput passed 1 500/s.
  const raw = Buffer.from(
    (body.slice(0, afterAt) + id.replaceAll('-', '') + body.slice(afterAt + 32)).replace(
      '"ref":"refs/heads/develop"',
      `"ref":"${ref}"`,
    ),
  );
  const signature = `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;
  const sent = now();
  outstanding.set(id, sent);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/hooks/github',
        headers: {
          'content-type': 'application/json',
          'content-length': raw.length,
          'x-github-event': 'push',
          'x-github-delivery': id,
          'x-hub-signature-256': signature,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => {
          text += chunk;
        });
        res.once('end', () => {
          const status = res.statusCode ?? 0;
          if (status !== 202) outstanding.delete(id);
          // Its runs would never come: the bench would wait for them and fail without saying why.
          if (status === 202 && text.includes('"duplicate":true'))
            return reject(new Error(`push ${id} was taken as a duplicate: ${text.slice(0, 200)}`));
          const retryAfter = res.headers['retry-after'];
          resolve({ status, ms: now() - sent, id, ...(retryAfter ? { retryAfter } : {}) });
        });
      },
    );
    req.once('error', reject);
    req.end(raw);
  });
}

interface Profile {
  readonly name: string;
  readonly ref: string;
  readonly fires: number;
}
const profiles: Profile[] = [
  { name: '10 of 10 fire', ref: 'refs/heads/main', fires: 10 },
  { name: '1 of 10 fires', ref: 'refs/heads/t3', fires: 1 },
];
const everyProc = [...signalbox, redisProc, fakeProc];

interface Measured {
  readonly deliveries: number;
  readonly seconds: number;
  readonly ack: number[];
  readonly e2e: number[];
  /** CPU ms per delivery by process name. */
  readonly cpu: Record<string, number>;
  /** Write system calls per delivery by process name. */
  readonly writes: Record<string, number>;
  readonly refused: number;
}

async function expectCreates(n: number): Promise<void> {
  const [host, portText] = [
    '127.0.0.1',
    JSON.parse(readFileSync(kubeconfig, 'utf8')).clusters[0].cluster.server.split(':')[2],
  ];
  await (await fetch(`http://${host}:${portText}/bench/expect`, { method: 'PUT', body: String(n) })).text();
}

/** Runs `load` and waits until every accepted delivery is fully processed (at most 60 s). */
async function measure(load: () => Promise<{ ack: number[]; accepted: number; refused: number }>) {
  e2e = [];
  const cpuBefore = Object.fromEntries(signalbox.concat(fakeProc).map((p) => [p.name, procCpu(p.pid)]));
  const writesBefore = Object.fromEntries(everyProc.map((p) => [p.name, procWrites(p.pid)]));
  const redisBefore = await redisCpu();
  const start = now();
  const { ack, accepted, refused } = await load();
  const drainBy = Date.now() + 60_000;
  while (outstanding.size > 0 && Date.now() < drainBy) await Promise.race([someDone(), sleep(200)]);
  if (outstanding.size > 0) throw new Error(`${outstanding.size} deliveries never fully processed`);
  const seconds = (lastDone - start) / 1000;
  const cpu: Record<string, number> = {};
  for (const p of signalbox.concat(fakeProc))
    cpu[p.name] = ((procCpu(p.pid) - (cpuBefore[p.name] ?? 0)) * 1000) / accepted;
  cpu.redis = (((await redisCpu()) - redisBefore) * 1000) / accepted;
  const writes: Record<string, number> = {};
  for (const p of everyProc) writes[p.name] = (procWrites(p.pid) - (writesBefore[p.name] ?? 0)) / accepted;
  return { deliveries: accepted, seconds, ack, e2e, cpu, writes, refused } satisfies Measured;
}

/** Closed loop: `connections` senders, at most `window` deliveries in the system. */
function closedLoop(profile: Profile, seconds: number) {
  return measure(async () => {
    const ack: number[] = [];
    let accepted = 0;
    const until = Date.now() + seconds * 1000;
    await Promise.all(
      Array.from({ length: connections }, async () => {
        while (Date.now() < until) {
          while (outstanding.size >= window) await someDone();
          const r = await push(profile.ref);
          if (r.status !== 202) throw new Error(`closed loop: ${r.status} for ${r.id}`);
          ack.push(r.ms);
          accepted++;
        }
      }),
    );
    return { ack, accepted, refused: 0 };
  });
}

/** Open loop at `rate`/s: 202s, and 503s (counted, their deliveries dropped). */
function paced(profile: Profile, rate: number, seconds: number) {
  return measure(async () => {
    const ack: number[] = [];
    let accepted = 0;
    let refused = 0;
    const start = performance.now();
    const pending: Promise<void>[] = [];
    for (let i = 0; i < rate * seconds; i++) {
      const wait = start + (i * 1000) / rate - performance.now();
      if (wait > 0) await sleep(wait);
      pending.push(
        push(profile.ref).then((r) => {
          if (r.status === 202) {
            ack.push(r.ms);
            accepted++;
          } else if (r.status === 503 && r.retryAfter) refused++;
          else throw new Error(`paced: ${r.status} for ${r.id}`);
        }),
      );
    }
    await Promise.all(pending);
    return { ack, accepted, refused };
  });
}

/** Where a service's memory is now, from its own /metrics (prom-client's default metrics), in MB. */
async function heapOf(proc: Proc): Promise<string> {
  const text = await (await fetch(`http://127.0.0.1:${proc.adminPort}/metrics`)).text();
  const mb = (pattern: string) =>
    (Number(new RegExp(`^${pattern} ([\\d.e+]+)$`, 'm').exec(text)?.[1] ?? Number.NaN) / 2 ** 20).toFixed(0);
  const space = (name: string) =>
    `${name} ${mb(`nodejs_heap_space_size_used_bytes\\{space="${name}"\\}`)}/${mb(`nodejs_heap_space_size_total_bytes\\{space="${name}"\\}`)}`;
  return `${proc.name}: RSS ${mb('process_resident_memory_bytes')}, heap used/total ${mb('nodejs_heap_size_used_bytes')}/${mb('nodejs_heap_size_total_bytes')} (${['new', 'old', 'code', 'large_object'].map(space).join(', ')}), external ${mb('nodejs_external_memory_bytes')}`;
}

const peaks = () => Object.fromEntries(everyProc.map((p) => [p.name, statusKb(p.pid, 'VmHWM') / 1024]));
const resetPeaks = () => {
  for (const p of everyProc) resetPeak(p.pid);
};

// --- the run -------------------------------------------------------------------------------

const idle = Object.fromEntries(everyProc.map((p) => [p.name, statusKb(p.pid, 'VmRSS') / 1024]));
try {
  // The 100/s phase first, after a warm-up at the same rate, on processes that have not been
  // saturated: its peak RSS is the goal's "under that load". A process keeps much of the heap a
  // saturating burst grew, so after the closed-loop rounds it would measure those; their peaks
  // are printed with them.
  await expectCreates(10);
  await paced(profiles[0] as Profile, pacedRate, 2);
  resetPeaks();
  await probe.config('RESETSTAT');
  const pacedRun = await paced(profiles[0] as Profile, pacedRate, pacedSeconds);
  const redisTop = [...(await probe.info('commandstats')).matchAll(/cmdstat_(\w+):calls=(\d+),usec=(\d+)/g)]
    .map(([, name, calls, usec]) => ({ name, calls: Number(calls), usec: Number(usec) }))
    .sort((a, b) => b.usec - a.usec)
    .slice(0, 8);
  const pacedPeaks = peaks();
  const heaps = await Promise.all(signalbox.map(heapOf));

  for (const profile of profiles) {
    await expectCreates(profile.fires);
    await closedLoop(profile, 2);
  }
  const results = new Map<Profile, Measured[]>(profiles.map((p) => [p, []]));
  const roundPeaks = new Map<Profile, Record<string, number>[]>(profiles.map((p) => [p, []]));
  for (let i = 0; i < rounds; i++) {
    for (const profile of profiles) {
      await expectCreates(profile.fires);
      resetPeaks();
      results.get(profile)?.push(await closedLoop(profile, roundSeconds));
      roundPeaks.get(profile)?.push(peaks());
    }
  }
  // BENCH_HEAP_SNAPSHOT=1 (with BENCH_NODE_OPTIONS=--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=…):
  // a heap snapshot of each service after the paced phase.
  if (process.env.BENCH_HEAP_SNAPSHOT) {
    for (const p of signalbox) p.child?.kill('SIGUSR2');
    await sleep(15_000);
  }

  const f = (n: number, digits = 0) => n.toFixed(digits);
  const ratio = (ours: number, theirs: readonly number[], higherIsBetter: boolean) => {
    const [lo = 1, hi = 1] = theirs;
    const [a, b] = higherIsBetter ? [ours / hi, ours / lo] : [lo / ours, hi / ours];
    return `${f(a, 1)}–${f(b, 1)}×`;
  };
  console.log(
    `Tekton's workload (10 triggers: github push + CEL + PipelineRun template), 7 KB signed push; ${connections} connections, at most ${window} deliveries in the system; medians of ${rounds} alternating ${roundSeconds} s rounds; Node ${process.version}; services ${tree}, NODE_OPTIONS: listener ${serviceNodeOptions('event-listener') || "(none: V8's defaults)"}, run-scheduler ${serviceNodeOptions('run-scheduler') || "(none: V8's defaults)"}`,
  );
  for (const profile of profiles) {
    const rs = results.get(profile) ?? [];
    const med = (pick: (r: Measured) => number) => median(rs.map(pick));
    const rate = med((r) => r.deliveries / r.seconds);
    const cpu = (name: string) => med((r) => r.cpu[name] ?? Number.NaN);
    const total = cpu('event-listener') + cpu('run-scheduler') + cpu('redis');
    const peak = (name: string) => Math.max(...(roundPeaks.get(profile) ?? []).map((p) => p[name] ?? 0));
    console.log(
      `\n### ${profile.name} (${profile.fires} PipelineRun${profile.fires > 1 ? 's' : ''} per delivery)`,
    );
    console.log(
      `deliveries fully processed  ${f(rate).padStart(6)} /s   (${f(rate * profile.fires)} PipelineRuns/s)   rounds ${rs.map((r) => f(r.deliveries / r.seconds)).join(' / ')}`,
    );
    console.log(
      `202                         p50 ${f(
        med((r) => pct(r.ack, 50)),
        1,
      )} ms   p99 ${f(
        med((r) => pct(r.ack, 99)),
        1,
      )} ms`,
    );
    console.log(
      `push → last PipelineRun     p50 ${f(
        med((r) => pct(r.e2e, 50)),
        1,
      )} ms   p99 ${f(
        med((r) => pct(r.e2e, 99)),
        1,
      )} ms`,
    );
    console.log(
      `CPU per delivery            listener ${f(cpu('event-listener'), 2)} ms + run-scheduler ${f(cpu('run-scheduler'), 2)} ms + redis ${f(cpu('redis'), 2)} ms = ${f(total, 2)} ms   (lean API, not counted: ${f(cpu('lean API'), 2)} ms)`,
    );
    const writes = (name: string) =>
      f(
        med((r) => r.writes[name] ?? Number.NaN),
        1,
      );
    console.log(
      `write syscalls per delivery listener ${writes('event-listener')}   run-scheduler ${writes('run-scheduler')}   redis ${writes('redis')}   (lean API ${writes('lean API')})`,
    );
    console.log(
      `peak RSS                    listener ${f(peak('event-listener'))} MB   run-scheduler ${f(peak('run-scheduler'))} MB   redis ${f(peak('redis'))} MB   (lean API ${f(peak('lean API'))} MB)`,
    );
    if (profile.fires === 10) {
      console.log(
        `vs Tekton's sink            deliveries/s ${ratio(rate, tekton.deliveries, true)}   CPU per delivery ${ratio(total, tekton.cpuMs, false)} less   p99 of the 202 ${ratio(
          med((r) => pct(r.ack, 99)),
          tekton.p99Ms,
          false,
        )} lower   peak RSS ${ratio(Math.max(peak('event-listener'), peak('run-scheduler')), tekton.rssMb, false)} lower (largest process)`,
      );
    }
  }
  const pr = pacedRun;
  const pacedTotal = (pr.cpu['event-listener'] ?? 0) + (pr.cpu['run-scheduler'] ?? 0) + (pr.cpu.redis ?? 0);
  console.log(
    `\n### paced: ${pacedRate} deliveries/s × 10 PipelineRuns for ${pacedSeconds} s (run first, after 2 s at the same rate)`,
  );
  console.log(
    `202 p50 ${f(pct(pr.ack, 50), 1)} ms   p99 ${f(pct(pr.ack, 99), 1)} ms;   push → last PipelineRun p50 ${f(pct(pr.e2e, 50), 1)} ms   p99 ${f(pct(pr.e2e, 99), 1)} ms;   CPU ${f(pacedTotal, 2)} ms per delivery (listener ${f(pr.cpu['event-listener'] ?? 0, 2)} + run-scheduler ${f(pr.cpu['run-scheduler'] ?? 0, 2)} + redis ${f(pr.cpu.redis ?? 0, 2)})`,
  );
  console.log(
    `peak RSS listener ${f(pacedPeaks['event-listener'] ?? 0)} MB   run-scheduler ${f(pacedPeaks['run-scheduler'] ?? 0)} MB   redis ${f(pacedPeaks.redis ?? 0)} MB;   idle before the run: listener ${f(idle['event-listener'] ?? 0)} MB   run-scheduler ${f(idle['run-scheduler'] ?? 0)} MB`,
  );
  console.log(`memory after it (MB): ${heaps.join(';  ')}`);
  // Commands run inside scripts are counted too: where Redis's time per delivery goes.
  console.log(
    `Redis µs per delivery by command: ${redisTop.map((c) => `${c.name} ${f(c.usec / pacedRun.deliveries)} (${f(c.calls / pacedRun.deliveries, 1)} calls)`).join(', ')}`,
  );
  const goals = [
    [
      '≥ 450 deliveries/s (10 of 10)',
      median((results.get(profiles[0] as Profile) ?? []).map((r) => r.deliveries / r.seconds)) >= 450,
    ],
    [
      'CPU ≤ 2 ms per delivery (10 of 10)',
      median(
        (results.get(profiles[0] as Profile) ?? []).map(
          (r) => (r.cpu['event-listener'] ?? 0) + (r.cpu['run-scheduler'] ?? 0) + (r.cpu.redis ?? 0),
        ),
      ) <= 2,
    ],
    [
      'CPU ≤ 0.4 ms per delivery (1 of 10)',
      median(
        (results.get(profiles[1] as Profile) ?? []).map(
          (r) => (r.cpu['event-listener'] ?? 0) + (r.cpu['run-scheduler'] ?? 0) + (r.cpu.redis ?? 0),
        ),
      ) <= 0.4,
    ],
    [`p99 202 < 25 ms at ${pacedRate}/s`, pct(pr.ack, 99) < 25],
    [`p99 push → last PipelineRun < 250 ms at ${pacedRate}/s`, pct(pr.e2e, 99) < 250],
    [
      `RSS < 150 MB at ${pacedRate}/s`,
      (pacedPeaks['event-listener'] ?? 0) < 150 && (pacedPeaks['run-scheduler'] ?? 0) < 150,
    ],
    ['RSS < 80 MB idle', (idle['event-listener'] ?? 0) < 80 && (idle['run-scheduler'] ?? 0) < 80],
  ] as const;
  console.log(`goals: ${goals.map(([g, ok]) => `${g} ${ok ? 'met' : 'NOT met'}`).join(';  ')}`);

  // Back-pressure: twice what the chain sustains, against SIGNALBOX_MAX_BACKLOG.
  const capacity = median((results.get(profiles[0] as Profile) ?? []).map((r) => r.deliveries / r.seconds));
  resetPeaks();
  const over = await paced(profiles[0] as Profile, Math.round(capacity * 2), overloadSeconds);
  const overPeaks = peaks();
  console.log(
    `\n### overload: ${Math.round(capacity * 2)} deliveries/s offered for ${overloadSeconds} s, SIGNALBOX_MAX_BACKLOG=${overloadBacklog} deliveries`,
  );
  console.log(
    `202 ${over.deliveries}, 503 + Retry-After ${over.refused};   202 p99 ${f(pct(over.ack, 99), 1)} ms;   peak RSS listener ${f(overPeaks['event-listener'] ?? 0)} MB   run-scheduler ${f(overPeaks['run-scheduler'] ?? 0)} MB;   every accepted delivery fully processed`,
  );
} finally {
  await Promise.all(signalbox.map((p) => new Promise((r) => p.child?.once('exit', r).kill('SIGTERM'))));
  fake.kill('SIGTERM');
  agent.destroy();
  probe.disconnect();
  await redisServer.stop();
  rmSync(root, { recursive: true, force: true });
}
