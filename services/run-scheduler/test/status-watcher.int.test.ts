import { KubernetesObjectApi } from '@kubernetes/client-node';
import { redisForTest } from '@signalbox/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, harness, runJob, single } from './run-scheduler-helpers.ts';

const { url, prefix } = redisForTest(import.meta.url);
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
});

// Times relative to now: transitions older than a week are not news and are not notified.
const now = Date.now();
const ago = (seconds: number) => new Date(now - seconds * 1000).toISOString();
const started = ago(600);
const running = {
  startTime: started,
  conditions: [{ type: 'Succeeded', status: 'Unknown', reason: 'Running' }],
};
const succeeded = {
  startTime: started,
  completionTime: ago(400),
  conditions: [
    {
      type: 'Succeeded',
      status: 'True',
      reason: 'Succeeded',
      message: 'Tasks Completed: 3 (Failed: 0, Cancelled 0), Skipped: 0',
    },
  ],
};
const failed = {
  startTime: started,
  completionTime: ago(540),
  conditions: [
    {
      type: 'Succeeded',
      status: 'False',
      reason: 'Failed',
      message: 'Tasks Completed: 2 (Failed: 1, Cancelled 0), Skipped: 1',
    },
  ],
};

const eventOf = (o: { metadata: Record<string, unknown> }) =>
  (o.metadata.labels as Record<string, string>)['triggers.tekton.dev/triggers-eventid'] ?? '';
const lists = () =>
  h?.fake.requestLog.filter(
    (r) => r.method === 'GET' && r.path.includes('/pipelineruns?') && !r.path.includes('watch='),
  ) ?? [];

async function until(predicate: () => Promise<boolean> | boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('status tracking', () => {
  it('notifies each transition exactly once with two replicas, across restarts and 410 Expired (event and HTTP status)', async () => {
    h = await harness(url, `${prefix}-status`);
    const { fake, runs, drained, startWorker, startWatcher, notifications, kc } = h;
    startWorker();
    await runs.addBulk([runJob(1), runJob(2), runJob(3), runJob(4)].map(single));
    await drained();
    const [a, b, c, d] = fake.objects('pipelineruns').sort((x, y) => eventOf(x).localeCompare(eventOf(y)));
    const notes = async () =>
      (await notifications.queue.getJobs(['waiting']))
        .map((j) => `${j.data.kind}:${j.data.data.name}`)
        .sort();

    // Two replicas, each following the namespaces runs were created in (none configured).
    let replicas = [startWatcher(), startWatcher()];
    await until(() => replicas.every((w) => w.namespaces.includes('ci')), 'namespace ci followed');
    fake.setStatus('ci', 'pipelineruns', a!.metadata.name, running);
    await until(async () => (await notes()).length === 1, 'run.started');
    await Promise.all(replicas.map((w) => w.stop()));

    // While no watcher runs, a moves on; restarted watchers list and catch up once.
    fake.setStatus('ci', 'pipelineruns', a!.metadata.name, succeeded);
    replicas = [startWatcher(), startWatcher()];
    await until(async () => (await notes()).length === 2, 'run.succeeded after restart');

    // The API forgets old resourceVersions: the watches get 410, relist, and repeat nothing.
    // b fails in its `test` task (a TaskRun Tekton created for it).
    const taskRun = (task: string) => ({
      apiVersion: 'tekton.dev/v1',
      kind: 'TaskRun',
      metadata: {
        name: `${b!.metadata.name}-${task}`,
        namespace: 'ci',
        labels: { 'tekton.dev/pipelineRun': b!.metadata.name, 'tekton.dev/pipelineTask': task },
      },
      spec: { taskRef: { name: task } },
    });
    const objects = KubernetesObjectApi.makeApiClient(kc);
    for (const [task, ok] of [
      ['build', true],
      ['test', false],
      ['lint', true],
    ] as const) {
      await objects.create(taskRun(task));
      fake.setStatus('ci', 'taskruns', `${b!.metadata.name}-${task}`, {
        conditions: [
          { type: 'Succeeded', status: ok ? 'True' : 'False', reason: ok ? 'Succeeded' : 'Failed' },
        ],
      });
    }
    const listsBefore = lists().length;
    fake.expireWatches();
    fake.setStatus('ci', 'pipelineruns', b!.metadata.name, failed);
    await until(async () => (await notes()).length === 3, 'run.failed after 410');
    // Each replica relisted after its 410.
    await until(() => lists().length >= listsBefore + 2, 'relists after 410');
    // A run whose end is weeks old (a relist of a long-kept run) is handled but not news.
    fake.setStatus('ci', 'pipelineruns', c!.metadata.name, {
      ...succeeded,
      startTime: ago(30 * 86_400),
      completionTime: ago(30 * 86_400 - 60),
    });
    const staleMarker = `${prefix}-status:run-transition:${c!.metadata.uid}:succeeded`;
    await until(async () => (await h!.redis.exists(staleMarker)) === 1, 'the stale transition handled');
    // The 410 may also be the watch request's own HTTP status: the replica relists at once
    // (its next request is a list, not another watch from the forgotten resourceVersion).
    await replicas[1]?.stop();
    fake.faults.inject({ method: 'GET', pathPattern: /\/pipelineruns\?.*watch=true/, status: 410, times: 1 });
    const beforeGone = fake.requestLog.length;
    fake.closeWatches();
    fake.setStatus('ci', 'pipelineruns', d!.metadata.name, running);
    await until(async () => (await notes()).length === 4, 'run.started after an HTTP 410');
    const afterGone = fake.requestLog
      .slice(beforeGone)
      .filter((r) => r.method === 'GET' && r.path.includes('/pipelineruns?'))
      .map((r) => `${r.path.includes('watch=true') ? 'watch' : 'list'} ${r.status}`);
    expect(afterGone.slice(0, 2)).toEqual(['watch 410', 'list 200']);
    // Another restart re-lists everything: still nothing new.
    await Promise.all(replicas.map((w) => w.stop()));
    const listsBeforeRestart = lists().length;
    replicas = [startWatcher()];
    await until(() => lists().length > listsBeforeRestart, 'relist after the second restart');
    await new Promise((r) => setTimeout(r, 200));

    expect(await notes()).toEqual(
      [
        `run.failed:${b!.metadata.name}`,
        `run.started:${a!.metadata.name}`,
        `run.succeeded:${a!.metadata.name}`,
        `run.started:${d!.metadata.name}`,
      ].sort(),
    );
    const jobs = await notifications.queue.getJobs(['waiting']);
    const uidOf = (o: typeof a) => String(o!.metadata.uid);
    expect(jobs.map((j) => j.data.key).sort()).toEqual(
      [`${uidOf(a)}/running`, `${uidOf(a)}/succeeded`, `${uidOf(b)}/failed`, `${uidOf(d)}/running`].sort(),
    );
    expect(jobs.find((j) => j.data.kind === 'run.succeeded')?.data).toMatchObject({
      correlation: { eventId: 'event-1', repo: 'org/app', trigger: 'ci' },
      data: { reason: 'Succeeded', durationMs: 200_000, namespace: 'ci', pipeline: 'build' },
    });
    expect(jobs.find((j) => j.data.kind === 'run.failed')?.data.data).toMatchObject({
      reason: 'Failed',
      message: expect.stringContaining('Failed: 1'),
      failedTasks: ['test'],
    });
  });

  it('bookmarks keep a quiet watch resumable: after the history moved on, a reconnect needs no relist', async () => {
    h = await harness(url, `${prefix}-bookmarks`, ['ci'], { historyLimit: 20 });
    const { fake, runs, drained, startWorker, startWatcher, notifications, kc } = h;
    startWorker();
    await runs.add(single(runJob(1)));
    await drained();
    const [run] = fake.objects('pipelineruns');
    startWatcher();
    const watches = () =>
      fake.requestLog.filter((r) => r.path.includes('/pipelineruns?') && r.path.includes('watch=true'));
    await until(() => watches().length === 1, 'the watch open');
    // Unrelated writes (nothing the watch selects) move the API's history past the run.
    const objects = KubernetesObjectApi.makeApiClient(kc);
    for (let i = 0; i < 60; i++)
      await objects.create({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `noise-${i}`, namespace: 'ci' },
      });
    fake.sendBookmarks();
    await new Promise((r) => setTimeout(r, 100));
    const listsBefore = lists().length;
    fake.closeWatches();
    await until(() => watches().length === 2, 'the watch reopened');
    expect(watches()[1]?.status).toBe(200);
    expect(watches()[1]?.path).toContain(`resourceVersion=${fake.resourceVersion}`);
    expect(lists().length).toBe(listsBefore);
    fake.setStatus('ci', 'pipelineruns', run!.metadata.name, running);
    await until(
      async () => (await notifications.queue.getJobs(['waiting'])).some((j) => j.data.kind === 'run.started'),
      'run.started on the resumed watch',
    );
  });
});
