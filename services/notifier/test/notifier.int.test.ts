import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { type NotificationJob, notificationsQueue } from '@signalbox/contracts';
import { redisForTest, startGitHubFake } from '@signalbox/testkit';
import { createGitHubClient } from '@signalbox/triggers';
import { afterEach, describe, expect, it } from 'vitest';
import { metadataEventType } from '../src/deliver-web-api.ts';
import { kindRank } from '../src/kind-rank.ts';
import {
  botRoute,
  C,
  changeNotifications,
  type Harness,
  harness,
  SHA,
  twiceShuffled,
} from './notifier-harness.ts';

const { url, prefix } = redisForTest(import.meta.url);
let h: Harness | undefined;
let n = 0;
const fresh = async (
  ...args: Parameters<typeof harness> extends [unknown, string, ...infer R] ? R : never
) => {
  h = await harness(url, `${prefix}-${++n}`, ...args);
  return h;
};
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** The kind a parent text shows, by the step words renderParent puts after the title. */
const stepOf = (text: string) =>
  (
    [
      ['run.started', 'running'],
      ['run.succeeded', 'succeeded'],
      ['image.pushed', 'pushed'],
      ['scan.completed', 'scan of'],
      ['manifest.pr_opened', 'manifest PR'],
    ] as const
  ).findLast(([, words]) => text.includes(words))?.[0];

describe('one message per change', () => {
  it('push → run → image (sha tag) → scan → PR: one parent updated in place, each step a thread reply in order', async () => {
    const { fake, producer, start, drained } = await fresh([botRoute('team-a', C)]);
    start();
    const steps = changeNotifications();
    for (const step of steps) {
      await producer.add(step);
      await drained();
    }
    const parents = fake.messages(C);
    expect(parents).toHaveLength(1);
    const parent = parents[0]!;
    expect(parent.metadata).toMatchObject({
      event_type: metadataEventType,
      event_payload: { role: 'parent' },
    });
    expect(fake.replies(C, parent.ts).map((m) => m.metadata?.event_payload.jobId)).toEqual(
      steps.map((s) => notificationsQueue.jobId(s)),
    );
    expect(parent.updates.map(stepOf)).toEqual([
      'run.succeeded',
      'image.pushed',
      'scan.completed',
      'manifest.pr_opened',
    ]);
    const final = JSON.stringify(parent.blocks);
    expect(final).toContain(`<https://github.com/org/team-a/commit/${SHA}|${SHA.slice(0, 7)}>`);
    expect(final).toContain('1 Critical, 3 High');
    expect(final).toContain('<https://github.com/org/manifests/pull/12|PR #12>');
    expect(final).toContain('8m12s');
    expect(parent.text).toContain('manifest PR #12 opened');
    expect(fake.calls.filter((c) => c.status !== 200 && c.status !== 429)).toEqual([]);
    expect(fake.rateLimited.filter((r) => r.waited === false)).toEqual([]);
  });

  it('the same when the jobs arrive shuffled and each twice: one parent, one reply per step, never backwards', async () => {
    const { fake, producer, start, drained } = await fresh([botRoute('team-a', C)]);
    const steps = changeNotifications();
    for (const { s, id } of twiceShuffled(steps))
      await producer.queue.add(notificationsQueue.jobName, s, { jobId: id });
    start();
    start(); // two replicas
    await drained();
    const parents = fake.messages(C);
    expect(parents).toHaveLength(1);
    const parent = parents[0]!;
    const replies = fake.replies(C, parent.ts);
    expect(replies.map((m) => m.metadata?.event_payload.jobId).sort()).toEqual(
      steps.map((s) => notificationsQueue.jobId(s)).sort(),
    );
    const shown = [parent.text, ...parent.updates].map(stepOf).map((k) => (k ? kindRank(k) : -1));
    expect(shown).toEqual([...shown].sort((a, b) => a - b));
    expect(stepOf(parent.text)).toBe('manifest.pr_opened');
    expect(await producer.queue.getFailedCount()).toBe(0);
  });

  it('a burst of 100 notifications for 10 changes: all delivered, every 429 waited out, another channel not slowed', async () => {
    const other = 'C0OTHER001';
    const { fake, producer, start, drained } = await fresh(
      [
        botRoute('team-a', C, "notification.correlation.repo == 'org/team-a'"),
        botRoute('team-b', other, "notification.correlation.repo == 'org/team-b'"),
      ],
      {
        channels: [{ id: C }, { id: other }],
        limits: {
          postMessage: { perSecond: 8, burst: 2 },
          update: { perSecond: 20, burst: 20, perChannel: true },
          conversations: { perSecond: 20, burst: 20, perChannel: true },
        },
      },
    );
    // The notifier's own pacing is faster than the fake allows, so 429s do happen.
    start({ pacing: { postMs: 60, updateMs: 60, readMs: 60 }, concurrency: 16 });
    const burst: NotificationJob[] = [];
    for (let c = 0; c < 10; c++) {
      const sha = `${String(c).repeat(7)}abcdef`;
      for (let p = 0; p < 5; p++) {
        for (const kind of ['run.started', 'run.succeeded'] as const) {
          burst.push({
            kind,
            key: `${sha}/${p}/${kind}`,
            correlation: { repo: 'org/team-a', sha, eventId: `e${c}` },
            data: { name: `pipeline-${p}` },
            occurredAt: new Date(Date.UTC(2026, 10, 1, 10, p, kind === 'run.started' ? 0 : 30)).toISOString(),
          });
        }
      }
    }
    const quiet = changeNotifications('org/team-b', 'b'.repeat(40)).slice(0, 2);
    await producer.addBulk(burst);
    await producer.addBulk(quiet);
    await drained(120_000);
    expect(await producer.queue.getFailedCount()).toBe(0);
    const parents = fake.messages(C);
    expect(parents).toHaveLength(10);
    expect(parents.flatMap((p) => fake.replies(C, p.ts))).toHaveLength(100);
    expect(fake.rateLimited.length).toBeGreaterThan(0);
    const answered = fake.rateLimited.filter((r) => r.nextCallAt !== undefined);
    expect(answered.filter((r) => !r.waited)).toEqual([]);
    expect(fake.rateLimited.filter((r) => r.scope === other)).toEqual([]);
    // The quiet channel's change was complete long before the burst's channel was.
    const otherDone = Math.max(
      ...fake.calls.filter((c) => c.channel === other && c.status === 200).map((c) => c.at),
    );
    const burstDone = Math.max(
      ...fake.calls.filter((c) => c.channel === C && c.status === 200).map((c) => c.at),
    );
    expect(fake.replies(other, fake.messages(other)[0]!.ts)).toHaveLength(2);
    expect(otherDone).toBeLessThan(burstDone);
    console.info(
      `burst: ${fake.rateLimited.length} 429s, each waited out; quiet channel done ${burstDone - otherDone} ms earlier`,
    );
  });
});

describe('failures', () => {
  it('permanent Slack errors are dead-lettered after one attempt and listed by `signalbox dlq list`', async () => {
    const { producer, start, drained } = await fresh(
      [
        botRoute('gone', 'C0MISSING1', "notification.kind == 'run.failed'"),
        botRoute('outside', 'C0OUTSIDE1', "notification.kind == 'run.cancelled'"),
      ],
      {
        channels: [{ id: C }, { id: 'C0OUTSIDE1', member: false }],
      },
    );
    start();
    const [started] = changeNotifications();
    const failed = { ...started!, kind: 'run.failed' as const, key: 'x/failed' };
    const cancelled = { ...started!, kind: 'run.cancelled' as const, key: 'x/cancelled' };
    await producer.addBulk([failed, cancelled]);
    await drained();
    const dead = await producer.queue.getFailed();
    expect(dead.map((j) => [j.id, j.attemptsMade, j.failedReason]).sort()).toEqual(
      [
        [notificationsQueue.jobId(failed), 1, expect.stringContaining('SLACK_channel_not_found')],
        [notificationsQueue.jobId(cancelled), 1, expect.stringContaining('SLACK_not_in_channel')],
      ].sort(),
    );
    const cli = spawnSync(resolve('node_modules/.bin/signalbox'), ['dlq', 'list', '--json'], {
      env: { ...process.env, REDIS_URL: url, SIGNALBOX_QUEUE_PREFIX: `${prefix}-${n}` },
      encoding: 'utf8',
    });
    expect(cli.status).toBe(0);
    const rows = cli.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { queue: string; jobId: string; attempts: number; reason: string });
    expect(rows).toContainEqual(
      expect.objectContaining({
        queue: 'signalbox-notifications',
        jobId: notificationsQueue.jobId(failed),
        attempts: 1,
        reason: expect.stringContaining('channel_not_found'),
      }),
    );
    expect(rows).toContainEqual(
      expect.objectContaining({
        jobId: notificationsQueue.jobId(cancelled),
        reason: expect.stringContaining('not_in_channel'),
      }),
    );
  });

  it('transient errors (503, internal_error) are retried and delivered once', async () => {
    const { fake, producer, start, drained } = await fresh([botRoute('team-a', C)]);
    fake.inject({ method: 'chat.postMessage', status: 503 });
    fake.inject({ method: 'chat.postMessage', error: 'internal_error' });
    start();
    const [first] = changeNotifications();
    await producer.add(first!);
    await drained();
    expect(fake.messages(C)).toHaveLength(1);
    expect(fake.replies(C, fake.messages(C)[0]!.ts)).toHaveLength(1);
    const job = await producer.queue.getJob(notificationsQueue.jobId(first!));
    expect(job?.attemptsMade).toBeGreaterThanOrEqual(2);
  });

  it('a notification matching no route is not an error', async () => {
    const { fake, producer, start, drained } = await fresh([
      botRoute('team-x', C, "notification.correlation.repo == 'org/team-x'"),
    ]);
    start();
    await producer.add(changeNotifications()[0]!);
    await drained();
    expect(fake.calls).toEqual([]);
    expect(await producer.queue.getCompletedCount()).toBe(1);
  });
});

describe('GitHub commit statuses', () => {
  it('run.* set the pipeline’s status on the commit, never backwards, retried through a 502, with the run’s link', async () => {
    const github = await startGitHubFake({ token: 'ghp_status' });
    try {
      await github.createRepo('org', 'team-a', { files: { 'README.md': 'x' } });
      const sha = (await github.branches('org', 'team-a')).main ?? '';
      const { producer, start, drained } = await fresh([]);
      start({
        commitStatuses: {
          github: createGitHubClient({ baseUrl: github.apiUrl, auth: 'ghp_status', retryBaseMs: 10 }),
          targetUrlTemplate: 'https://tekton.example.com/#/namespaces/{namespace}/pipelineruns/{name}',
        },
      });
      const commit = { repo: 'org/team-a', sha, trigger: 'ci-develop', eventId: 'e1', deliveryId: 'd1' };
      const run = { name: 'build-7xk2p', namespace: 'team-a-ci', uid: 'u1', pipeline: 'build' };
      const at = (m: number) => new Date(Date.UTC(2026, 10, 1, 10, m)).toISOString();
      const fault = github.faults.inject({ kind: 'server-error', path: /\/statuses\//, times: 1 });
      // Out of order: the run's success arrives before its start; the late start must not undo it.
      await producer.add({
        kind: 'run.succeeded',
        key: 'u1/succeeded',
        correlation: commit,
        data: { ...run, durationMs: 492_000 },
        occurredAt: at(9),
      });
      await drained();
      await producer.add({
        kind: 'run.started',
        key: 'u1/running',
        correlation: commit,
        data: run,
        occurredAt: at(1),
      });
      await drained();
      expect(fault.hits).toBe(1);
      expect(github.statuses.map((s) => [s.context, s.state, s.description, s.targetUrl])).toEqual([
        [
          'build',
          'success',
          'Succeeded in 8m12s',
          'https://tekton.example.com/#/namespaces/team-a-ci/pipelineruns/build-7xk2p',
        ],
      ]);
      // A re-run of the pipeline on the same commit, later, takes over the context.
      const rerun = { ...run, name: 'build-9zz1q', uid: 'u2' };
      await producer.add({
        kind: 'run.started',
        key: 'u2/running',
        correlation: commit,
        data: rerun,
        occurredAt: at(20),
      });
      await producer.add({
        kind: 'run.failed',
        key: 'u2/failed',
        correlation: commit,
        data: { ...rerun, failedTasks: ['test', 'lint'] },
        occurredAt: at(25),
      });
      await drained();
      expect(github.statuses.map((s) => [s.state, s.description])).toEqual([
        ['success', 'Succeeded in 8m12s'],
        ['pending', 'Running'],
        ['failure', 'Failed: test, lint'],
      ]);
      // Not a run, or no full sha: no status.
      await producer.add({
        kind: 'image.pushed',
        key: 'img',
        correlation: commit,
        data: {},
        occurredAt: at(30),
      });
      await producer.add({
        kind: 'run.started',
        key: 'short',
        correlation: { ...commit, sha: sha.slice(0, 7) },
        data: { ...run, uid: 'u3' },
        occurredAt: at(31),
      });
      await drained();
      expect(github.statuses).toHaveLength(3);
    } finally {
      await github.close();
    }
  });
});
