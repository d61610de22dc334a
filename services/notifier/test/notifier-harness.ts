import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type NotificationJob, notificationsQueue } from '@signalbox/contracts';
import { createLogger, createProducer, createRedis, type RedisTopology } from '@signalbox/runtime';
import { type SlackFake, type SlackFakeOptions, startSlackFake } from '@signalbox/testkit';
import { compileNotificationCondition } from '@signalbox/triggers';
import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { SlackRouteModel } from '../src/match-routes.ts';
import { buildNotifier, type NotifierDeps } from '../src/worker.ts';

export const C = 'C07A1B2C3D4';
export const SHA = '3f2c9a1b7d4e5f60718293a4b5c6d7e8f9012345';
export const IMAGE = 'harbor.example.com/team-a/api';

/** A Web API route for `channel` taking every kind (bot token `xoxb-test`). */
export function botRoute(name: string, channel: string, when?: string): SlackRouteModel {
  return {
    name,
    spec: {
      channel,
      kinds: notificationsQueue.schema.shape.kind.options.slice(),
      auth: { secretRef: { secretName: 'slack', secretKey: 'bot-token' } },
    },
    ...(when ? { when: compileNotificationCondition(when) } : {}),
  };
}

/** The notifications of one change, push to PR, a minute apart. */
export function changeNotifications(
  repo = 'org/team-a',
  sha = SHA,
  digest = 'sha256:aa11',
): NotificationJob[] {
  const at = (m: number) => new Date(Date.UTC(2026, 10, 1, 10, m)).toISOString();
  const commit = { repo, sha, ref: 'refs/heads/main', eventId: `e-${sha}`, deliveryId: `d-${sha}` };
  const image = { image: IMAGE, digest, eventId: `h-${digest}` };
  return [
    {
      kind: 'run.started',
      key: `${sha}/started`,
      correlation: commit,
      data: { name: 'build-7xk2p' },
      occurredAt: at(1),
    },
    {
      kind: 'run.succeeded',
      key: `${sha}/succeeded`,
      correlation: commit,
      data: { name: 'build-7xk2p', durationMs: 492_000 },
      occurredAt: at(9),
    },
    {
      kind: 'image.pushed',
      key: `${digest}/pushed`,
      correlation: image,
      data: { tag: sha.slice(0, 7) },
      occurredAt: at(10),
    },
    {
      kind: 'scan.completed',
      key: `${digest}/scanned`,
      correlation: image,
      data: { tag: sha.slice(0, 7), vulnerabilities: { Critical: 1, High: 3 } },
      occurredAt: at(12),
    },
    {
      kind: 'manifest.pr_opened',
      key: `${digest}/pr`,
      correlation: image,
      // The manifest-updater's shape (process-image-event.ts): the pull request under `pr`.
      data: {
        pr: { url: 'https://github.com/org/manifests/pull/12', number: 12 },
        from: '1.4.1',
        to: sha.slice(0, 7),
      },
      occurredAt: at(13),
    },
  ];
}

/**
 * Each notification twice, shuffled: under its deterministic id and as a re-emit under another job
 * id (`again-<i>`), as a retried producer or a replayed event would add it.
 */
export function twiceShuffled(steps: readonly NotificationJob[]): Array<{ s: NotificationJob; id: string }> {
  const jobs = [
    ...steps.map((s) => ({ s, id: notificationsQueue.jobId(s) })),
    ...steps.map((s, i) => ({ s, id: `again-${i}` })),
  ];
  for (let i = jobs.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [jobs[i], jobs[j]] = [jobs[j]!, jobs[i]!];
  }
  return jobs;
}

/**
 * A config dir for `signalbox start notifier`: one SlackRoute `team-a` for `C` taking `kinds`; with
 * `botToken`, a Web API route whose token `xoxb-test` is in the secrets dir, else a console route.
 */
export function routeConfig(
  kinds: readonly string[],
  options: { botToken?: boolean } = {},
): { config: string; secrets: string } {
  const root = mkdtempSync(join(tmpdir(), 'sb-notifier-'));
  const config = join(root, 'config');
  const secrets = join(root, 'secrets');
  mkdirSync(config);
  mkdirSync(join(secrets, 'slack'), { recursive: true });
  writeFileSync(join(secrets, 'slack', 'bot-token'), 'xoxb-test\n');
  const auth = options.botToken ? '\n  auth: {secretRef: {secretName: slack, secretKey: bot-token}}' : '';
  writeFileSync(
    join(config, 'route.yaml'),
    `apiVersion: signalbox.dev/v1alpha1
kind: SlackRoute
metadata: {name: team-a}
spec:
  channel: ${C}
  kinds: [${kinds.join(', ')}]${auth}
`,
  );
  return { config, secrets };
}

export interface Harness {
  readonly fake: SlackFake;
  /** The test's own connection (the producer's); each started worker has two of its own. */
  readonly redis: Redis;
  readonly producer: ReturnType<typeof createProducer<typeof notificationsQueue>>;
  readonly lines: string[];
  start(overrides?: Partial<NotifierDeps>): Worker;
  /** Waits until nothing is waiting, delayed or active. */
  drained(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** A Slack fake and a notifications producer on `url` (a Redis URL or any topology). */
export async function harness(
  url: RedisTopology | string,
  prefix: string,
  routes: SlackRouteModel[],
  fakeOptions: SlackFakeOptions = {},
): Promise<Harness> {
  const fake = await startSlackFake(fakeOptions);
  const redis = createRedis(url, { forWorker: true });
  const producer = createProducer(notificationsQueue, { connection: redis, prefix });
  const workers: Worker[] = [];
  const connections: Redis[] = [];
  const lines: string[] = [];
  return {
    fake,
    redis,
    producer,
    lines,
    start(overrides = {}) {
      // A replica's own connections, as two notifier processes would have.
      const connection = createRedis(url, { forWorker: true });
      const state = createRedis(url, { forWorker: true });
      connections.push(connection, state);
      const worker = buildNotifier({
        connection,
        redis: state,
        prefix,
        routes: () => routes,
        secrets: { read: (name, key) => (name === 'slack' && key === 'bot-token' ? 'xoxb-test' : undefined) },
        slackApiUrl: fake.apiUrl,
        logger: createLogger({ level: 'silent' }),
        pacing: { postMs: 50, updateMs: 50, readMs: 50 },
        writeLine: (line) => lines.push(line),
        ...overrides,
      });
      workers.push(worker);
      return worker;
    },
    async drained(timeoutMs = 90_000) {
      const deadline = Date.now() + timeoutMs;
      while ((await producer.queue.getJobCountByTypes('waiting', 'delayed', 'active', 'prioritized')) > 0) {
        if (Date.now() > deadline) throw new Error('notifications queue did not drain');
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      await producer.close();
      for (const c of [...connections, redis]) c.disconnect();
      await fake.close();
    },
  };
}
