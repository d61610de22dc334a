import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { notificationsQueue } from '@signalbox/contracts';
import { createProducer, createRedis } from '@signalbox/runtime';
import { freePort, redisForTest } from '@signalbox/testkit';
import { afterAll, describe, expect, it } from 'vitest';

const { url, prefix } = redisForTest(import.meta.url);
const bin = fileURLToPath(new URL('../bin/signalbox.js', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'sb-start-'));
const closers: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

/**
 * The machine's own `node` when it is older than 24 (the launcher must re-run itself on the Node 24
 * from node_modules), else the Node 24 running the tests.
 */
function launcherNode(): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'node');
    if (dir.includes('node_modules') || !existsSync(candidate)) continue;
    try {
      const major = Number(execFileSync(candidate, ['-p', 'process.versions.node.split(".")[0]']).toString());
      if (major < 24) return candidate;
    } catch {
      // not runnable: keep looking
    }
  }
  return process.execPath;
}

interface Run {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  exited: Promise<number | null>;
}

function cli(args: string[], env: NodeJS.ProcessEnv, node = process.execPath): Run {
  const child = spawn(node, [bin, ...args], {
    env: {
      ...process.env,
      REDIS_URL: url,
      SIGNALBOX_QUEUE_PREFIX: prefix,
      SIGNALBOX_RUN_BACKEND: 'dry-run',
      SIGNALBOX_OUT_DIR: join(tmp, 'out'),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  closers.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { child, out: () => out, err: () => err, exited };
}

/** Polls `probe` until it gives a value; fails at once if the CLI process exits first. */
async function until<T>(run: Run, probe: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    const exited = run.child.exitCode !== null || run.child.signalCode !== null;
    if (exited || Date.now() > deadline) {
      throw new Error(
        `${exited ? `the CLI exited (${run.child.exitCode ?? run.child.signalCode})` : 'timed out'} before ${what}\n${run.out()}${run.err()}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('signalbox start', () => {
  it('runs the worker services in one process behind /readyz and /metrics on METRICS_PORT, and drains on SIGTERM', async () => {
    const metricsPort = await freePort();
    const node = launcherNode();
    const run = cli(
      ['start', 'run-scheduler', 'notifier', 'manifest-updater'],
      { METRICS_PORT: String(metricsPort) },
      node,
    );
    const base = `http://127.0.0.1:${metricsPort}`;
    const ready = await until(
      run,
      async () => {
        const res = await fetch(`${base}/readyz`);
        return res.status === 200 ? ((await res.json()) as unknown) : undefined;
      },
      `/readyz answered 200 (launched with ${node})`,
    );
    expect(ready).toEqual({
      ready: true,
      checks: { 'run-scheduler': true, notifier: true, 'manifest-updater': true },
    });
    expect(run.out()).toContain('notifier: not built yet; nothing consumes its queue');

    // Nothing consumes notifications yet: a job waits in Redis, and the backlog is visible.
    const redis = createRedis(url);
    closers.push(async () => redis.disconnect());
    const notifications = createProducer(notificationsQueue, { connection: redis, prefix });
    closers.push(() => notifications.close());
    await notifications.add({
      kind: 'run.started',
      key: 'start-test',
      correlation: { repo: 'org/a' },
      data: {},
      occurredAt: new Date(0).toISOString(),
    });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('signalbox_queue_jobs{queue="signalbox-notifications",state="waiting"} 1');
    expect(metrics).toContain('signalbox_queue_jobs{queue="signalbox-runs",state="waiting"} 0');
    expect(metrics).toMatch(/^process_cpu_seconds_total /m);

    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(run.out()).toContain('"msg":"shutdown complete"');
    expect(await notifications.queue.getJobCounts('waiting')).toEqual({ waiting: 1 });
  });

  it('refuses an unknown service (exit 2) and bad settings (exit 1, every variable named)', async () => {
    const unknown = cli(['start', 'notifier', 'mailer'], {});
    expect(await unknown.exited).toBe(2);
    expect(unknown.err()).toBe(
      'signalbox start: unknown service mailer (one of event-listener, run-scheduler, notifier, manifest-updater)\n',
    );

    const bad = cli(['start', 'notifier'], { METRICS_PORT: 'ninety', SIGNALBOX_RUN_BACKEND: 'k8s' });
    expect(await bad.exited).toBe(1);
    expect(bad.err()).toContain('METRICS_PORT="ninety" is not valid: expected an integer from 0 to 65535');
    expect(bad.err()).toContain(
      'SIGNALBOX_RUN_BACKEND="k8s" is not valid: expected one of kubernetes, dry-run',
    );
  });

  it('a service that cannot start stops the ones already started and exits 1 naming it', async () => {
    const config = join(tmp, 'broken-config');
    mkdirSync(config, { recursive: true });
    writeFileSync(
      join(config, 'el.yaml'),
      'apiVersion: triggers.tekton.dev/v1beta1\nkind: EventListener\nmetadata: {name: el}\nspec:\n  triggers:\n    - name: t\n      template: {ref: missing}\n',
    );
    const run = cli(['start', 'notifier', 'event-listener'], {
      SIGNALBOX_CONFIG: config,
      PORT: String(await freePort()),
    });
    expect(await run.exited).toBe(1);
    expect(run.err()).toMatch(/^signalbox start: event-listener: invalid config in .*broken-config/);
    expect(run.err()).toContain('el.yaml');
    expect(run.out()).toContain('start-up failed: stopping what was started');
  });

  it('a feature that is not built yet exits 2 and says so, with nothing on stdout', async () => {
    const run = cli(['manifests', 'set-image', '--dir', tmp, '--image', 'r.example/a', '--tag', '1.0.0'], {});
    expect(await run.exited).toBe(2);
    expect(run.out()).toBe('');
    expect(run.err()).toMatch(/^signalbox manifests set-image: not built yet \(/);
  });
});
