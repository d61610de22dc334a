import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type ImageUpdateJob,
  imageUpdatesQueue,
  type NotificationJob,
  notificationsQueue,
} from '@signalbox/contracts';
import {
  createLogger,
  createProducer,
  createRedis,
  type Producer,
  type RedisTopology,
} from '@signalbox/runtime';
import { type GitHubFake, type GitHubFakeOptions, redisForTest, startGitHubFake } from '@signalbox/testkit';
import {
  createTriggerEngine,
  fileSecretStore,
  type LoadedConfig,
  loadConfig,
  parseBody,
  type TriggerEngine,
} from '@signalbox/triggers';
import { Queue, type Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { activePolicies } from '../src/active-policies.ts';
import { octokitGitHost } from '../src/octokit-git-host.ts';
import { sampleManifests } from '../src/sample-manifests.ts';
import { buildManifestUpdater, type ManifestUpdaterDeps } from '../src/worker.ts';

const repoRoot = join(import.meta.dirname, '..', '..', '..');
/** The Harbor payloads of ../shared/fixtures, as the repository keeps them (CI has only the repository). */
export const fixtures = fileURLToPath(
  new URL('../../../packages/triggers/test/fixtures/harbor/', import.meta.url),
);
export const token = 'ghp_manifest_test';
export const harborAuth = readFileSync(
  join(repoRoot, 'examples/secrets/harbor-webhook/auth-header'),
  'utf8',
).trim();

/** A Harbor fixture with another tag/digest (the resource URL follows). */
export function harborBody(name: string, tag: string, digest: string): Record<string, unknown> {
  const body = JSON.parse(readFileSync(join(fixtures, name), 'utf8')) as {
    event_data: { resources: Array<Record<string, unknown>> };
  };
  const resource = body.event_data.resources[0] as Record<string, unknown>;
  resource.tag = tag;
  resource.digest = digest;
  resource.resource_url = `harbor.example.com/team-a/api:${tag}`;
  return body;
}

export const digestOf = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;

/**
 * The examples' config copied to a temp dir with the team-a-api policy pointed at `repo` (and a
 * token secret for it), plus the examples' secrets.
 */
export function examplesConfig(repo: string, extra: { policy?: string; auth?: string } = {}) {
  const root = mkdtempSync(join(tmpdir(), 'sb-mu-'));
  const dir = join(root, 'config');
  cpSync(join(repoRoot, 'examples/config'), dir, { recursive: true });
  const harbor = readFileSync(join(dir, 'harbor.yaml'), 'utf8')
    .replace('repo: ./.signalbox/manifests', `repo: ${repo}`)
    .replace(
      /( {2}pullRequest: .*\n)/,
      `$1  auth: ${extra.auth ?? '{secretRef: {secretName: github, secretKey: token}}'}\n${extra.policy ?? ''}`,
    );
  writeFileSync(join(dir, 'harbor.yaml'), harbor);
  const secretsDir = join(root, 'secrets');
  cpSync(join(repoRoot, 'examples/secrets'), secretsDir, { recursive: true });
  mkdirSync(join(secretsDir, 'github'));
  writeFileSync(join(secretsDir, 'github', 'token'), `${token}\n`);
  const loaded = loadConfig(dir);
  if (!loaded.ok) throw new Error(loaded.issues.map((i) => `${i.field}: ${i.message}`).join('\n'));
  return { root, dir, secretsDir, config: loaded.config };
}

/**
 * Runs a request through the trigger engine as the listener does and maps each rendered
 * ImageUpdate to its job the way the listener's fan-out does (correlation with image and digest).
 */
export async function renderJobs(
  engine: TriggerEngine,
  listener: string,
  body: unknown,
  headers: Record<string, string>,
  eventID: string,
): Promise<ImageUpdateJob[]> {
  const rawBody = Buffer.from(JSON.stringify(body));
  const parsed = parseBody('application/json', rawBody);
  if (!parsed.ok) throw new Error(parsed.message);
  const evaluation = await engine.evaluate(
    listener,
    {
      method: 'POST',
      url: `/hooks/${listener}`,
      headers: { 'content-type': 'application/json', ...headers },
      rawBody,
    },
    { eventID, body: parsed.body },
  );
  if (!evaluation) throw new Error(`no listener ${listener}`);
  return evaluation.triggers.flatMap((t) =>
    (t.resources ?? []).flatMap((r, index) => {
      if (r.route !== 'image-update') return [];
      const spec = r.object.spec as Record<string, string>;
      const digest = spec.digest || undefined;
      return [
        imageUpdatesQueue.schema.parse({
          correlation: {
            deliveryId: `delivery-${eventID}`,
            eventId: eventID,
            listener,
            trigger: t.name,
            image: spec.image,
            ...(digest ? { digest } : {}),
          },
          index,
          image: spec.image,
          tag: spec.tag,
          event: spec.event,
          ...(digest ? { digest } : {}),
          ...(spec.severity ? { severity: spec.severity } : {}),
        }),
      ];
    }),
  );
}

export interface Harness {
  readonly fake: GitHubFake;
  readonly redis: Redis;
  readonly prefix: string;
  readonly config: LoadedConfig;
  readonly engine: TriggerEngine;
  readonly workDir: string;
  readonly secretsDir: string;
  readonly images: Producer<typeof imageUpdatesQueue>;
  /** A Harbor webhook through the examples' harbor listener; resolves with the jobs added. */
  harbor(body: Record<string, unknown>, eventId: string): Promise<ImageUpdateJob[]>;
  startWorker(overrides?: Partial<ManifestUpdaterDeps>): Worker;
  notifications(kind?: string): Promise<NotificationJob[]>;
  /** Waits until no image-update job is waiting, active or (unless `delayed: false`) delayed. */
  idle(options?: { timeoutMs?: number; includeDelayed?: boolean }): Promise<void>;
  close(): Promise<void>;
}

export async function startHarness(
  fileUrl: string,
  options: {
    policy?: string;
    repo?: string;
    auth?: string;
    fake?: GitHubFakeOptions;
    /** More secret files, `<secretName>/<secretKey>` → content. */
    secrets?: Record<string, string>;
    /** Another Redis than the test run's (a Cluster, say). */
    redis?: RedisTopology;
  } = {},
): Promise<Harness> {
  const fake = await startGitHubFake({ token, login: 'signalbox-bot', ...options.fake });
  await fake.createRepo('org', 'manifests', { files: sampleManifests });
  const ofRun = redisForTest(fileUrl);
  const url = options.redis ?? ofRun.url;
  const prefix = ofRun.prefix;
  const { config, secretsDir, root } = examplesConfig(
    options.repo ?? fake.gitUrl('org', 'manifests'),
    options,
  );
  for (const [path, value] of Object.entries(options.secrets ?? {})) {
    mkdirSync(join(secretsDir, path, '..'), { recursive: true });
    writeFileSync(join(secretsDir, path), value);
  }
  const engine = createTriggerEngine(config, { secrets: fileSecretStore(secretsDir) });
  const redis = createRedis(url, { name: 'mu-test', forWorker: true });
  const images = createProducer(imageUpdatesQueue, { connection: redis, prefix });
  const notificationsView = new Queue(notificationsQueue.name, {
    connection: redis,
    prefix: notificationsQueue.keyPrefix(prefix),
  });
  const notifications = createProducer(notificationsQueue, { connection: redis, prefix });
  const workDir = join(root, 'work');
  const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const policies = activePolicies(config.imageUpdatePolicies, { cwd: root, secretsDir, apiUrl: fake.apiUrl });
  const workers: Worker[] = [];
  const connections: Redis[] = [];
  return {
    fake,
    redis,
    prefix,
    config,
    engine,
    workDir,
    secretsDir,
    images,
    async harbor(body, eventId) {
      const jobs = await renderJobs(engine, 'harbor', body, { authorization: harborAuth }, eventId);
      for (const job of jobs) await images.add(job);
      return jobs;
    },
    startWorker(overrides = {}) {
      const connection = createRedis(url, { name: 'mu-worker', forWorker: true });
      const state = createRedis(url, { name: 'mu-state', forWorker: true });
      connections.push(connection, state);
      const worker = buildManifestUpdater({
        connection,
        redis: state,
        prefix,
        policies: () => policies,
        notifications,
        gitHost: (t) => octokitGitHost({ baseUrl: fake.apiUrl, token: t, logger, retryBaseMs: 20 }),
        workDir,
        logger,
        repoLockTtlMs: 5_000,
        ...overrides,
      });
      workers.push(worker);
      return worker;
    },
    async notifications(kind) {
      const jobs = await notificationsView.getJobs(['waiting', 'delayed', 'completed', 'failed', 'active']);
      return jobs.map((j) => j.data as NotificationJob).filter((n) => !kind || n.kind === kind);
    },
    async idle({ timeoutMs = 60_000, includeDelayed = true } = {}) {
      const deadline = Date.now() + timeoutMs;
      const types = includeDelayed
        ? ['waiting', 'active', 'delayed', 'prioritized']
        : ['waiting', 'active', 'prioritized'];
      for (;;) {
        const pending = await images.queue.getJobCountByTypes(...(types as ['waiting']));
        if (pending === 0) return;
        if (Date.now() > deadline) throw new Error(`image-updates queue still busy (${pending})`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async close() {
      await Promise.all(workers.map((w) => w.close(true)));
      await Promise.all([images.close(), notifications.close(), notificationsView.close()]);
      for (const c of [...connections, redis]) c.disconnect();
      await fake.close();
    },
  };
}
