import { KubernetesObjectApi } from '@kubernetes/client-node';
import { createLogger } from '@signalbox/runtime';
import { redisForTest } from '@signalbox/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { RunStatusWatcher } from '../src/run-status-watcher.ts';
import { type Harness, harness, runJob } from './run-scheduler-helpers.ts';

const { url, prefix } = redisForTest(import.meta.url);
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
});

const running = {
  startTime: '2026-11-24T10:00:00Z',
  conditions: [{ type: 'Succeeded', status: 'Unknown', reason: 'Running' }],
};
const succeeded = {
  startTime: '2026-11-24T10:00:00Z',
  completionTime: '2026-11-24T10:03:20Z',
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
  startTime: '2026-11-24T10:00:00Z',
  completionTime: '2026-11-24T10:01:00Z',
  conditions: [
    {
      type: 'Succeeded',
      status: 'False',
      reason: 'Failed',
      message: 'Tasks Completed: 2 (Failed: 1, Cancelled 0), Skipped: 1',
    },
  ],
};

async function until(predicate: () => Promise<boolean> | boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('status tracking', () => {
  it('notifies each transition exactly once across a watcher restart and a 410 Expired', async () => {
    h = await harness(url, `${prefix}-status`);
    const { fake, runs, drained, startWorker, notifications, redis, kc } = h;
    startWorker();
    await runs.addBulk([runJob(1), runJob(2)]);
    await drained();
    const [a, b] = fake
      .objects('pipelineruns')
      .sort((x, y) => String(x.metadata.name).localeCompare(String(y.metadata.name)));
    const watcher = () =>
      new RunStatusWatcher({
        kc,
        redis,
        prefix: `${prefix}-status`,
        notifications,
        logger: createLogger({ level: 'silent' }),
        namespaces: ['ci'],
        minBackoffMs: 20,
      });
    const notes = async () =>
      (await notifications.queue.getJobs(['waiting']))
        .map((j) => `${j.data.kind}:${j.data.data.name}`)
        .sort();

    let w = watcher();
    w.start();
    fake.setStatus('ci', 'pipelineruns', a!.metadata.name, running);
    await until(async () => (await notes()).length === 1, 'run.started');
    await w.stop();

    // While no watcher runs, a moves on; a restarted watcher lists and catches up once.
    fake.setStatus('ci', 'pipelineruns', a!.metadata.name, succeeded);
    w = watcher();
    w.start();
    await until(async () => (await notes()).length === 2, 'run.succeeded after restart');

    // The API forgets old resourceVersions: the watch gets 410, relists, and repeats nothing.
    // b fails in its `test` task (a TaskRun Tekton created for it).
    const taskRun = (task: string, ok: boolean) => ({
      apiVersion: 'tekton.dev/v1',
      kind: 'TaskRun',
      metadata: {
        name: `${b!.metadata.name}-${task}`,
        namespace: 'ci',
        labels: { 'tekton.dev/pipelineRun': b!.metadata.name, 'tekton.dev/pipelineTask': task },
      },
      status: {
        conditions: [
          { type: 'Succeeded', status: ok ? 'True' : 'False', reason: ok ? 'Succeeded' : 'Failed' },
        ],
      },
    });
    const objects = KubernetesObjectApi.makeApiClient(kc);
    for (const [task, ok] of [
      ['build', true],
      ['test', false],
      ['lint', true],
    ] as const)
      await objects.create(taskRun(task, ok) as never);
    fake.expireWatches();
    fake.setStatus('ci', 'pipelineruns', b!.metadata.name, failed);
    await until(async () => (await notes()).length === 3, 'run.failed after 410');
    // A second restart re-lists everything: still nothing new.
    await w.stop();
    w = watcher();
    w.start();
    await new Promise((r) => setTimeout(r, 300));
    await w.stop();

    // Lists: first start, restart, the relist after 410, second restart.
    const lists = fake.requestLog.filter(
      (r) => r.method === 'GET' && r.path.includes('/pipelineruns?') && !r.path.includes('watch='),
    );
    expect(lists.length).toBeGreaterThanOrEqual(4);
    expect(await notes()).toEqual(
      [
        `run.failed:${b!.metadata.name}`,
        `run.started:${a!.metadata.name}`,
        `run.succeeded:${a!.metadata.name}`,
      ].sort(),
    );
    const done = (await notifications.queue.getJobs(['waiting'])).find(
      (j) => j.data.kind === 'run.succeeded',
    );
    expect(done?.data).toMatchObject({
      correlation: { eventId: 'event-1', repo: 'org/app', trigger: 'ci' },
      data: { reason: 'Succeeded', durationMs: 200_000, namespace: 'ci' },
    });
    const bad = (await notifications.queue.getJobs(['waiting'])).find((j) => j.data.kind === 'run.failed');
    expect(bad?.data.data).toMatchObject({
      reason: 'Failed',
      message: expect.stringContaining('Failed: 1'),
      failedTasks: ['test'],
    });
  });
});
