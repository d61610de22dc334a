import { eventTrailKey, type NotificationJob } from '@signalbox/contracts';
import { redisForTest } from '@signalbox/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { botRoute, C, changeNotifications, type Harness, harness, SHA } from './notifier-harness.ts';

const { url, prefix } = redisForTest(import.meta.url);
let h: Harness | undefined;
let n = 0;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** The harness under a prefix of its own, and the trail of an event as the console reads it. */
async function fresh(...args: Parameters<typeof harness> extends [unknown, string, ...infer R] ? R : never) {
  const own = `${prefix}-${++n}`;
  h = await harness(url, own, ...args);
  const redis = h.redis;
  const trail = async (eventId: string) =>
    Object.fromEntries(
      Object.entries(await redis.hgetall(eventTrailKey(`${own}:ledger`, eventId))).map(([k, v]) => [
        k,
        JSON.parse(v) as Record<string, unknown>,
      ]),
    );
  return { ...h, trail };
}

const [started, succeeded, pushed, scanned] = changeNotifications() as [
  NotificationJob,
  NotificationJob,
  NotificationJob,
  NotificationJob,
];
const digest = 'sha256:aa11';
/** A pull request as the manifest-updater announces it (`data.pr`). */
const prOpened: NotificationJob = {
  kind: 'manifest.pr_opened',
  key: `${digest}/pr`,
  correlation: pushed.correlation,
  data: { repo: 'org/manifests', pr: { number: 12, url: 'https://github.com/org/manifests/pull/12' } },
  occurredAt: '2026-11-01T10:13:00.000Z',
};

describe('the event trail', () => {
  it('keeps each run’s latest state, the pull request and the thread’s permalink; the thread is posted once', async () => {
    const { fake, producer, start, drained, trail } = await fresh([botRoute('team-a', C)]);
    start();
    for (const step of [started, succeeded, pushed, scanned, prOpened]) {
      await producer.add(step);
      await drained();
    }
    const [parent, ...others] = fake.messages(C);
    expect(others).toEqual([]);
    const thread = {
      kind: 'slack.thread',
      channel: C,
      ts: parent?.ts,
      url: `https://signalbox-test.slack.com/archives/${C}/p${parent?.ts.replace('.', '')}`,
    };
    expect(await trail(`e-${SHA}`)).toEqual({
      'run:/build-7xk2p': expect.objectContaining({ kind: 'run.succeeded', name: 'build-7xk2p' }),
      [`slack:${C}`]: expect.objectContaining(thread),
    });
    expect(await trail(`h-${digest}`)).toEqual({
      'pr:https://github.com/org/manifests/pull/12': expect.objectContaining({
        kind: 'manifest.pr_opened',
        url: 'https://github.com/org/manifests/pull/12',
        number: 12,
        repo: 'org/manifests',
      }),
      [`slack:${C}`]: expect.objectContaining(thread),
    });
  });

  it('never moves a run backwards: a late start after its end changes nothing', async () => {
    const { producer, start, drained, trail } = await fresh([]);
    start();
    await producer.add(succeeded);
    await drained();
    await producer.add({ ...started, key: `${SHA}/started-late` });
    await drained();
    const failedLater = { ...succeeded, kind: 'run.failed' as const, key: `${SHA}/failed` };
    expect((await trail(`e-${SHA}`))['run:/build-7xk2p']).toMatchObject({ kind: 'run.succeeded' });
    // The same rank and later does win: the newer fact is the run's state.
    await producer.add({ ...failedLater, occurredAt: '2026-11-01T10:30:00.000Z' });
    await drained();
    expect((await trail(`e-${SHA}`))['run:/build-7xk2p']).toMatchObject({ kind: 'run.failed' });
  });

  it('records the thread without a permalink when the workspace cannot be asked', async () => {
    const { fake, producer, start, drained, trail } = await fresh([botRoute('team-a', C)]);
    fake.inject({ method: 'auth.test', error: 'internal_error' });
    start();
    await producer.add(started);
    await drained();
    const entry = (await trail(`e-${SHA}`))[`slack:${C}`];
    expect(entry).toMatchObject({ channel: C, ts: fake.messages(C)[0]?.ts });
    expect(entry).not.toHaveProperty('url');
    expect(fake.messages(C)).toHaveLength(1);
  });
});
