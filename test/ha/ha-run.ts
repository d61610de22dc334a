import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { notificationsQueue } from '@signalbox/contracts';
import { createRedis, readConfig } from '@signalbox/runtime';
import { freePort, type KubeFake, startKubeFake } from '@signalbox/testkit';
import { Queue } from 'bullmq';
import { expect } from 'vitest';
import { namespace, post, pushDelivery, repoRoot, sign, until, writeConfig } from '../e2e/stack.ts';

/** What a failover run saw, printed at its end. */
export interface Figures {
  readonly deliveries: number;
  readonly accepted: number;
  /** 503 answers (each redelivered, as GitHub's redeliver does). */
  readonly unavailable: number;
  readonly connectionErrors: number;
  readonly pipelineRuns: number;
  readonly expectedRuns: number;
  /** PipelineRuns beyond one per (event, trigger). */
  readonly duplicates: number;
  /** PipelineRuns a 202 named that do not exist. */
  readonly lost: number;
  /**
   * 202s for a duplicate whose original verdicts could not be read back (the listener logs it and
   * answers with no triggers): their PipelineRuns exist but no answer names them.
   */
  readonly duplicatesWithoutVerdicts: number;
  /** Times a listener's /readyz answered 503 (polled every 100 ms while the deliveries went). */
  readonly readyzUnavailable: number;
  /** From the failure to the first 202 of a request sent after it (ms). */
  readonly recoveryMs: number | undefined;
  /** run-scheduler processes (each runs a status watcher over every PipelineRun). */
  readonly schedulers: number;
  /** `run.succeeded` notifications the status watchers enqueued, and those beyond one per run. */
  readonly succeededNotices: number;
  readonly noticesTwice: number;
  /** Succeeded PipelineRuns without their notification. */
  readonly noticesMissing: number;
}

/** What every failover run must show, whatever the topology: all acknowledged, none lost or twice. */
export function expectNothingLostOrTwice(figures: Figures, deliveries: number): void {
  expect(figures.accepted).toBe(deliveries);
  expect(figures.unavailable).toBeGreaterThan(0);
  expect(figures.lost).toBe(0);
  expect(figures.duplicates).toBe(0);
  // Each PipelineRun is one a 202 named, or one of a duplicate answered without its verdicts.
  expect(figures.pipelineRuns).toBeLessThanOrEqual(figures.expectedRuns + figures.duplicatesWithoutVerdicts);
  expect(figures.noticesMissing).toBe(0);
  expect(figures.noticesTwice).toBe(0);
}

/** What a failure scenario may do besides breaking Redis. */
export interface FailureControl {
  /** Marks the moment of the failure (recovery is timed from it). */
  mark(): void;
  /**
   * Signals the run-scheduler processes: SIGSTOP holds their jobs in Redis (a backlog), so a job
   * that only a dying primary had is a PipelineRun missing at the end instead of one created
   * just before the loss; SIGCONT lets them go on.
   */
  schedulers(signal: 'SIGSTOP' | 'SIGCONT'): void;
}

interface Proc {
  readonly child: ChildProcess;
  output(): string;
}

const eventLabel = 'triggers.tekton.dev/triggers-eventid';
const triggerLabel = 'triggers.tekton.dev/trigger';

/** One `signalbox start <service>` process on the topology `env` names, resolved once /readyz is 200. */
async function startService(service: string, env: NodeJS.ProcessEnv, adminPort: number): Promise<Proc> {
  const child = spawn(join(repoRoot, 'node_modules/.bin/signalbox'), ['start', service], {
    env: { ...env, ADMIN_PORT: String(adminPort) },
    cwd: env.HOME,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (c: Buffer) => {
    out = (out + c.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  await until(
    `${service} ready`,
    async () => {
      if (child.exitCode !== null) throw new Error(`${service} exited ${child.exitCode}:\n${out}`);
      const res = await fetch(`http://127.0.0.1:${adminPort}/readyz`).catch(() => undefined);
      await res?.text();
      return res?.status === 200;
    },
    60_000,
    () => out,
  );
  return { child, output: () => out };
}

/**
 * `n` GitHub pushes through two event-listener and two run-scheduler processes on the Redis
 * topology `topologyEnv` names, eight at a time alternating between the listeners; a 503 or a
 * connection error is redelivered (same delivery id and body) to the other listener. When delivery
 * `failAt` is sent, `fail(mark)` runs (it calls `mark()` at the moment of the failure). At the end:
 * every PipelineRun a 202 named exists exactly once.
 */
export async function runThroughFailover(options: {
  readonly label: string;
  readonly n: number;
  readonly topologyEnv: NodeJS.ProcessEnv;
  readonly failAt: number;
  readonly fail: (control: FailureControl) => Promise<void>;
  /** run-scheduler processes (default 2). */
  readonly schedulers?: number;
}): Promise<{ figures: Figures; kube: KubeFake; close(): Promise<void> }> {
  const root = mkdtempSync(join(tmpdir(), 'sb-ha-'));
  mkdirSync(join(root, 'home'));
  const kube = await startKubeFake({ namespaces: [namespace] });
  const { config, secrets } = writeConfig(root, 'https://github.invalid/org/manifests.git');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: join(root, 'home'),
    SIGNALBOX_CONFIG: config,
    SIGNALBOX_SECRETS_DIR: secrets,
    SIGNALBOX_RUN_BACKEND: 'kubernetes',
    KUBECONFIG: kube.kubeconfigPath,
    HOST: '127.0.0.1',
    LOG_FORMAT: 'json',
    LOG_LEVEL: 'warn',
    SIGNALBOX_KUBE_TIMEOUT_MS: '3000',
    SIGNALBOX_SHUTDOWN_TIMEOUT_MS: '3000',
    ...options.topologyEnv,
  };
  const procs: Proc[] = [];
  const ports: number[] = [];
  const listenerAdminPorts: number[] = [];
  for (let i = 0; i < 2; i++) {
    const port = await freePort();
    const adminPort = await freePort();
    ports.push(port);
    listenerAdminPorts.push(adminPort);
    procs.push(await startService('event-listener', { ...env, PORT: String(port) }, adminPort));
  }
  // procs[2..3]: the schedulers (FailureControl.schedulers).
  const schedulers = options.schedulers ?? 2;
  for (let i = 0; i < schedulers; i++) procs.push(await startService('run-scheduler', env, await freePort()));

  // Tekton's controller: every PipelineRun succeeds; each status watcher sees the transition.
  let driving = true;
  const driven = new Set<string>();
  const driver = (async () => {
    while (driving) {
      for (const run of kube.objects({ plural: 'pipelineruns', namespace })) {
        const name = run.metadata.name ?? '';
        if (driven.has(name)) continue;
        driven.add(name);
        const at = new Date().toISOString();
        kube.setStatus(namespace, 'pipelineruns', name, {
          startTime: at,
          completionTime: at,
          conditions: [{ type: 'Succeeded', status: 'True', reason: 'Succeeded', message: 'done' }],
        });
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  })();

  // Pushes to 64 repositories (a platform team's many): each repository's runs form their own
  // concurrency group, as they would in production, instead of one group of N runs.
  const deliveries = Array.from({ length: options.n }, (_, i) => {
    const push = pushDelivery(i.toString(16).padStart(40, 'a'), {
      files: [i % 2 === 0 ? 'microservices/api/a.ts' : 'microservices/web/a.ts'],
    });
    const raw = push.raw.replaceAll('org/team-a', `org/team-${i % 64}`);
    return { raw, headers: { ...push.headers, 'x-hub-signature-256': sign(raw) }, runs: [] as string[] };
  });
  let unavailable = 0;
  let connectionErrors = 0;
  let accepted = 0;
  let duplicatesWithoutVerdicts = 0;
  let failedAt: number | undefined;
  let recoveryMs: number | undefined;
  let failure: Promise<void> | undefined;
  let next = 0;
  const send = async () => {
    for (;;) {
      const i = next++;
      const d = deliveries[i];
      if (!d) return;
      if (i === options.failAt)
        failure = options.fail({
          mark: () => {
            failedAt = Date.now();
          },
          schedulers: (signal) => {
            for (const p of procs.slice(2)) p.child.kill(signal);
          },
        });
      for (let attempt = 0; ; attempt++) {
        const sentAt = Date.now();
        const answer = await post(ports[(i + attempt) % 2] ?? 0, 'github', d.raw, d.headers);
        if (answer.status === 202) {
          accepted++;
          if ((answer.body as { duplicate?: boolean }).duplicate && (answer.body.triggers ?? []).length === 0)
            duplicatesWithoutVerdicts++;
          if (failedAt !== undefined && recoveryMs === undefined && sentAt >= failedAt)
            recoveryMs = Date.now() - failedAt;
          d.runs = (answer.body.triggers ?? [])
            .filter((t) => t.fired)
            .flatMap((t) =>
              (t.resources ?? []).filter((r) => r.kind === 'PipelineRun').map((r) => r.name ?? ''),
            );
          break;
        }
        if (answer.status === 503) unavailable++;
        else if (answer.status === 0) connectionErrors++;
        else
          throw new Error(
            `delivery ${i}: unexpected ${answer.status} ${JSON.stringify(answer.body)}\n${procs
              .slice(0, 2)
              .map((p) => p.output().slice(-3000))
              .join('\n---\n')}`,
          );
        if (attempt > 300) throw new Error(`delivery ${i}: never accepted`);
        await new Promise((r) => setTimeout(r, Math.min(1_000, 50 * 2 ** Math.min(attempt, 5))));
      }
    }
  };
  // The listeners' /readyz, polled while the deliveries go: how often it said 503.
  let polling = true;
  let notReady = 0;
  const poller = (async () => {
    while (polling) {
      for (const adminPort of listenerAdminPorts) {
        const res = await fetch(`http://127.0.0.1:${adminPort}/readyz`).catch(() => undefined);
        await res?.text();
        if (res?.status === 503) notReady++;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  await Promise.all(Array.from({ length: 8 }, send));
  await failure;
  polling = false;
  await poller;

  const expected = new Set(deliveries.flatMap((d) => d.runs));
  const runs = () => kube.objects({ plural: 'pipelineruns', namespace });
  await until(
    'every acknowledged PipelineRun',
    () => {
      const names = new Set(runs().map((r) => r.metadata.name));
      return [...expected].every((name) => names.has(name));
    },
    90_000,
  ).catch(() => undefined);
  // Each run's run.succeeded, once, however many watchers saw it (no notifier runs: the jobs stay).
  const redis = createRedis(readConfig(options.topologyEnv).redis, { forWorker: true });
  const notifications = new Queue(notificationsQueue.name, {
    connection: redis,
    prefix: notificationsQueue.keyPrefix('signalbox'),
  });
  const notices = async () => {
    const jobs = await notifications.getJobs([
      'waiting',
      'delayed',
      'prioritized',
      'active',
      'completed',
      'failed',
    ]);
    const perRun = new Map<string, number>();
    for (const job of jobs) {
      const data = job.data as { kind?: string; data?: { name?: string } };
      if (data.kind === 'run.succeeded')
        perRun.set(data.data?.name ?? '', (perRun.get(data.data?.name ?? '') ?? 0) + 1);
    }
    return perRun;
  };
  await until('every run.succeeded', async () => (await notices()).size >= runs().length, 120_000).catch(
    () => undefined,
  );
  driving = false;
  await driver;
  const perRun = await notices();
  await notifications.close();
  redis.disconnect();
  const all = runs();
  const perTrigger = new Map<string, number>();
  for (const r of all) {
    const key = `${r.metadata.labels?.[eventLabel]}/${r.metadata.labels?.[triggerLabel]}`;
    perTrigger.set(key, (perTrigger.get(key) ?? 0) + 1);
  }
  const names = new Set(all.map((r) => r.metadata.name));
  const figures: Figures = {
    deliveries: options.n,
    accepted,
    unavailable,
    connectionErrors,
    pipelineRuns: all.length,
    expectedRuns: expected.size,
    duplicates: [...perTrigger.values()].reduce((sum, c) => sum + c - 1, 0),
    lost: [...expected].filter((name) => !names.has(name)).length,
    duplicatesWithoutVerdicts,
    readyzUnavailable: notReady,
    recoveryMs,
    schedulers,
    succeededNotices: [...perRun.values()].reduce((sum, c) => sum + c, 0),
    noticesTwice: [...perRun.values()].reduce((sum, c) => sum + c - 1, 0),
    noticesMissing: all.filter((r) => !perRun.has(r.metadata.name ?? '')).length,
  };
  console.log(`${options.label}: ${JSON.stringify(figures)}`);
  return {
    figures,
    kube,
    async close() {
      for (const p of procs) {
        p.child.kill('SIGCONT');
        p.child.kill('SIGKILL');
      }
      await kube.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
