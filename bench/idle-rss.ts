// Idle memory of each service as it is deployed: `signalbox start <service>`, one process each,
// against a redis-server of this run, with the example config (dry-run runs) and, for the
// run-scheduler, also the Kubernetes backend (a kubeconfig whose API does not answer: the
// scheduler is ready without it; its watcher retries). Prints VmRSS 10 s after /readyz answered
// (V8 has shrunk what start-up grew by then) and the heap by space, from each service's /metrics.
//   npm run bench -- idle-rss          with the image's NODE_OPTIONS; BENCH_NODE_OPTIONS=… to vary them
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startRedisServer } from '@signalbox/testkit';
import { deployedLauncher } from './deployed-tree.ts';
import { serviceNodeOptions } from './service-node-options.ts';

const settleMs = 10_000;
const { cli, tree } = deployedLauncher();
const repo = fileURLToPath(new URL('..', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'sb-idle-rss-'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (kb: number) => (kb / 1024).toFixed(0);
const statusKb = (pid: number, field: string) =>
  Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);

const kubeconfig = join(root, 'kubeconfig');
writeFileSync(
  kubeconfig,
  `apiVersion: v1
kind: Config
clusters: [{name: none, cluster: {server: 'http://127.0.0.1:9'}}]
users: [{name: none, user: {token: idle}}]
contexts: [{name: none, context: {cluster: none, user: none}}]
current-context: none
`,
);

const redis = await startRedisServer();
const cases: Array<{ label: string; service: string; env: NodeJS.ProcessEnv }> = [
  { label: 'event-listener', service: 'event-listener', env: {} },
  { label: 'run-scheduler (dry-run)', service: 'run-scheduler', env: {} },
  {
    label: 'run-scheduler (kubernetes)',
    service: 'run-scheduler',
    env: { SIGNALBOX_RUN_BACKEND: 'kubernetes', KUBECONFIG: kubeconfig },
  },
  { label: 'notifier', service: 'notifier', env: {} },
  { label: 'manifest-updater', service: 'manifest-updater', env: {} },
];

console.log(
  `idle RSS of \`signalbox start <service>\`, ${settleMs / 1000} s after ready; Node ${process.version}; ${tree}; NODE_OPTIONS as deployed (${['event-listener', 'run-scheduler'].map((s) => `${s}: ${serviceNodeOptions(s) || "none, V8's defaults"}`).join('; ')})`,
);
try {
  for (const c of cases) {
    const adminPort = await freePort();
    const child = spawn(process.execPath, [cli, 'start', c.service], {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        HOME: root,
        HOST: '127.0.0.1',
        REDIS_URL: redis.url,
        SIGNALBOX_CONFIG: resolve(repo, 'examples/config'),
        SIGNALBOX_SECRETS_DIR: resolve(repo, 'examples/secrets'),
        SIGNALBOX_RUN_BACKEND: 'dry-run',
        SIGNALBOX_OUT_DIR: join(root, 'out'),
        PORT: String(await freePort()),
        ADMIN_PORT: String(adminPort),
        LOG_FORMAT: 'json',
        LOG_LEVEL: 'error',
        NODE_OPTIONS: serviceNodeOptions(c.service),
        ...c.env,
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${c.label} exited with ${child.exitCode}`);
      const res = await fetch(`http://127.0.0.1:${adminPort}/readyz`).catch(() => undefined);
      await res?.text();
      if (res?.status === 200) break;
      if (Date.now() > deadline) throw new Error(`${c.label} did not become ready`);
      await sleep(100);
    }
    await sleep(settleMs);
    const pid = child.pid ?? 0;
    const metrics = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
    const space = (name: string) =>
      Number(
        new RegExp(`nodejs_heap_space_size_total_bytes\\{space="${name}"\\} (\\d+)`).exec(metrics)?.[1] ?? 0,
      ) / 1024;
    const external = Number(/nodejs_external_memory_bytes (\d+)/.exec(metrics)?.[1] ?? 0) / 1024;
    console.log(
      `${c.label.padEnd(28)} RSS ${mb(statusKb(pid, 'VmRSS')).padStart(4)} MB (peak ${mb(statusKb(pid, 'VmHWM'))})   heap spaces: new ${mb(space('new'))}, old ${mb(space('old'))}, code ${mb(space('code'))}, large_object ${mb(space('large_object'))};  external ${mb(external)}`,
    );
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
} finally {
  await redis.stop();
  rmSync(root, { recursive: true, force: true });
}
