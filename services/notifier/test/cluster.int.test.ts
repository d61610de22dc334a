import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { eventTrailKey, notificationsQueue } from '@signalbox/contracts';
import { readConfig } from '@signalbox/runtime';
import {
  askRedis,
  freePort,
  type GitHubFake,
  type RedisCluster,
  startGitHubFake,
  startRedisCluster,
} from '@signalbox/testkit';
import { createGitHubClient } from '@signalbox/triggers';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  botRoute,
  C,
  changeNotifications,
  type Harness,
  harness,
  routeConfig,
  twiceShuffled,
} from './notifier-harness.ts';

let cluster: RedisCluster;
let h: Harness | undefined;
beforeAll(async () => {
  cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 0 });
}, 60_000);
const children: ChildProcess[] = [];
let github: GitHubFake | undefined;
afterEach(async () => {
  await github?.close();
  github = undefined;
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  await h?.close();
  h = undefined;
});
afterAll(async () => {
  await cluster?.stop();
});

const luaDir = new URL('../src/lua/', import.meta.url);
/** Every script file of the notifier, by the SHA1 Redis caches it under. */
const scripts = readdirSync(luaDir)
  .filter((f) => f.endsWith('.lua'))
  .map((file) => ({
    file,
    sha: createHash('sha1')
      .update(readFileSync(new URL(file, luaDir), 'utf8'))
      .digest('hex'),
  }));

/** The script files some primary has run (EVALSHA / EVAL cache them on the node that ran them). */
async function scriptsRun(): Promise<string[]> {
  const answers = await Promise.all(
    (await cluster.primaries()).map(
      (port) =>
        askRedis(port, (r) => r.call('SCRIPT', 'EXISTS', ...scripts.map((s) => s.sha))) as Promise<number[]>,
    ),
  );
  return scripts.filter((_, i) => answers.some((a) => a[i] === 1)).map((s) => s.file);
}

/** An event's trail as the console reads it. */
async function trailOf(redis: Redis, prefix: string, eventId: string) {
  const fields = await redis.hgetall(eventTrailKey(`${prefix}:ledger`, eventId));
  return Object.fromEntries(
    Object.entries(fields).map(([k, v]) => [k, JSON.parse(v) as Record<string, unknown>]),
  );
}

describe('two notifier replicas on a 3-primary Redis Cluster', () => {
  it('two changes, every step twice and shuffled, a 429 on the way: one parent per change, each step once, the trails written', async () => {
    const topology = readConfig({ REDIS_CLUSTER_NODES: cluster.addresses, REDIS_WAIT_REPLICAS: '0' }).redis;
    const prefix = `ncl-${randomUUID().slice(0, 8)}`;
    h = await harness(topology, prefix, [botRoute('team-a', C)]);
    const { fake, producer, redis, start, drained } = h;
    // Real commits, so the run.* notifications also set commit statuses (their lock and record).
    github = await startGitHubFake({ token: 'ghp_status' });
    const changes = [];
    for (const [repo, digest] of [
      ['team-a', 'sha256:aa11'],
      ['team-b', 'sha256:bb22'],
    ] as const) {
      await github.createRepo('org', repo, { files: { 'README.md': repo } });
      const sha = (await github.branches('org', repo)).main ?? '';
      changes.push({ sha, digest, steps: changeNotifications(`org/${repo}`, sha, digest) });
    }
    // The first parent update is answered 429: the channel's block is written by release-slot.lua.
    const limited = fake.inject({ method: 'chat.update', status: 429, retryAfter: 1 });
    const commitStatuses = {
      github: createGitHubClient({ baseUrl: github.apiUrl, auth: 'ghp_status', retryBaseMs: 10 }),
    };
    const workers = [start({ concurrency: 4, commitStatuses }), start({ concurrency: 4, commitStatuses })];
    await Promise.all(workers.map((w) => w.waitUntilReady()));
    const completed = workers.map(() => 0);
    // No CROSSSLOT, no script refused: the first failed attempt fails the test, with its error.
    const failed = new Promise<never>((_, reject) =>
      workers.forEach((w, i) => {
        w.on('failed', (job, err) => reject(new Error(`job ${job?.id}: ${err.message}`)));
        w.on('completed', () => completed[i]!++);
      }),
    );
    failed.catch(() => {});
    for (const { s, id } of twiceShuffled(changes.flatMap((c) => c.steps)))
      await producer.queue.add(notificationsQueue.jobName, s, { jobId: id });
    await Promise.race([drained(50_000), failed]);

    expect(completed.every((n) => n > 0)).toBe(true);
    expect(limited.hits).toBe(1);
    expect(await redis.get(`${prefix}:notifier:{pace|${C}}:blocked`)).not.toBeNull();

    const parents = fake.messages(C);
    expect(parents).toHaveLength(2);
    for (const { sha, digest, steps } of changes) {
      const mine = parents.filter((p) => p.text.includes(sha.slice(0, 7)));
      expect(mine).toHaveLength(1);
      const parent = mine[0]!;
      const replies = fake.replies(C, parent.ts).map((m) => m.metadata?.event_payload.jobId);
      expect(replies.sort()).toEqual(steps.map((s) => notificationsQueue.jobId(s)).sort());
      expect(parent.text).toContain('manifest PR #12 opened');

      // Never backwards across the replicas: a late or repeated run.started did not undo the success.
      expect(github.statuses.filter((st) => st.sha === sha).at(-1)?.state).toBe('success');
      const trail = async (eventId: string) => trailOf(redis, prefix, eventId);
      const thread = expect.objectContaining({ kind: 'slack.thread', channel: C, ts: parent.ts });
      expect(await trail(`e-${sha}`)).toEqual({
        'run:/build-7xk2p': expect.objectContaining({ kind: 'run.succeeded' }),
        [`slack:${C}`]: thread,
      });
      expect(await trail(`h-${digest}`)).toEqual({
        'pr:https://github.com/org/manifests/pull/12': expect.objectContaining({
          kind: 'manifest.pr_opened',
        }),
        [`slack:${C}`]: thread,
      });
    }
    expect(await scriptsRun()).toEqual(scripts.map((s) => s.file));
    console.info(`cluster: jobs completed per replica ${completed.join(' / ')}`);
  }, 60_000);
});

/** `signalbox start notifier` on `env`, resolved once its /readyz answers 200. */
async function startNotifier(env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const adminPort = await freePort();
  const child = spawn(resolve('node_modules/.bin/signalbox'), ['start', 'notifier'], {
    env: { ...process.env, ...env, ADMIN_PORT: String(adminPort), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  let err = '';
  child.stderr?.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-4_000)));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`notifier exited ${child.exitCode}: ${err}`);
    const res = await fetch(`http://127.0.0.1:${adminPort}/readyz`).catch(() => undefined);
    await res?.text();
    if (res?.status === 200) return child;
    if (Date.now() > deadline) throw new Error(`notifier not ready: ${err}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('two `signalbox start notifier` processes on the Cluster (REDIS_CLUSTER_NODES)', () => {
  it('a change, every step twice and shuffled: one parent, each step once; both processes stop with 0', async () => {
    const prefix = `ncp-${randomUUID().slice(0, 8)}`;
    const env = { REDIS_CLUSTER_NODES: cluster.addresses, REDIS_WAIT_REPLICAS: '0' };
    h = await harness(readConfig(env).redis, prefix, []);
    const { config, secrets } = routeConfig(
      ['run.started', 'run.succeeded', 'image.pushed', 'scan.completed', 'manifest.pr_opened'],
      { botToken: true },
    );
    const processEnv = {
      ...env,
      SIGNALBOX_QUEUE_PREFIX: prefix,
      SIGNALBOX_CONFIG: config,
      SIGNALBOX_SECRETS_DIR: secrets,
      SLACK_API_URL: h.fake.apiUrl,
    };
    const notifiers = await Promise.all([startNotifier(processEnv), startNotifier(processEnv)]);
    const steps = changeNotifications();
    for (const { s, id } of twiceShuffled(steps))
      await h.producer.queue.add(notificationsQueue.jobName, s, { jobId: id });
    await h.drained(45_000);

    expect(await h.producer.queue.getFailedCount()).toBe(0);
    const parents = h.fake.messages(C);
    expect(parents).toHaveLength(1);
    const replies = h.fake.replies(C, parents[0]!.ts).map((m) => m.metadata?.event_payload.jobId);
    expect(replies.sort()).toEqual(steps.map((s) => notificationsQueue.jobId(s)).sort());
    for (const child of notifiers) child.kill('SIGTERM');
    expect(await Promise.all(notifiers.map((c) => new Promise((r) => c.once('exit', r))))).toEqual([0, 0]);
  }, 60_000);
});
