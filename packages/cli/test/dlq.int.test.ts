import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runsQueue } from '@signalbox/contracts';
import { createRedis } from '@signalbox/runtime';
import { redisForTest } from '@signalbox/testkit';
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';

const { url, prefix } = redisForTest(import.meta.url);
const bin = fileURLToPath(new URL('../bin/signalbox.js', import.meta.url));
const cli = (...args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], {
    env: { ...process.env, REDIS_URL: url, SIGNALBOX_QUEUE_PREFIX: prefix },
    encoding: 'utf8',
  });
const connection = createRedis(url, { forWorker: true });
afterAll(() => connection.disconnect());

describe('signalbox dlq', () => {
  it('lists dead-lettered jobs with their reason and retries one by id', async () => {
    const queue = new Queue(runsQueue.name, { connection, prefix: runsQueue.keyPrefix(prefix) });
    await queue.add('create', { any: 'thing' }, { jobId: 'dead-1', attempts: 3 });
    let runs = 0;
    const worker = new Worker(
      runsQueue.name,
      async () => {
        runs++;
        throw new UnrecoverableError('KUBE_403: pipelineruns.tekton.dev is forbidden');
      },
      { connection, prefix: runsQueue.keyPrefix(prefix) },
    );
    while (!(await (await queue.getJob('dead-1'))?.isFailed())) await new Promise((r) => setTimeout(r, 20));
    await worker.pause();

    const list = cli('dlq', 'list', '--json');
    expect(list.status).toBe(0);
    const rows = list.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows).toEqual([
      expect.objectContaining({
        queue: 'signalbox-runs',
        jobId: 'dead-1',
        attempts: 1,
        reason: 'KUBE_403: pipelineruns.tekton.dev is forbidden',
      }),
    ]);

    const retry = cli('dlq', 'retry', 'dead-1');
    expect(retry.status, retry.stderr).toBe(0);
    expect(await (await queue.getJob('dead-1'))?.getState()).toBe('waiting');
    expect(cli('dlq', 'retry', 'nope').status).toBe(1);
    await worker.close();
    await queue.close();
    expect(runs).toBe(1);
  });

  it('retry gives a job that used up its attempts a fresh budget', async () => {
    const queue = new Queue(runsQueue.name, { connection, prefix: runsQueue.keyPrefix(`${prefix}-x`) });
    await queue.add('create', { any: 'thing' }, { jobId: 'tired-1', attempts: 2 });
    let runs = 0;
    const worker = new Worker(
      runsQueue.name,
      async () => {
        runs++;
        throw new Error('HTTP 503');
      },
      { connection, prefix: runsQueue.keyPrefix(`${prefix}-x`) },
    );
    while (!(await queue.getJob('tired-1').then((j) => j?.isFailed())))
      await new Promise((r) => setTimeout(r, 20));
    await worker.pause();
    expect(runs).toBe(2);
    const env = { ...process.env, REDIS_URL: url, SIGNALBOX_QUEUE_PREFIX: `${prefix}-x` };
    const retry = spawnSync(process.execPath, [bin, 'dlq', 'retry', 'tired-1'], { env, encoding: 'utf8' });
    expect(retry.status, retry.stderr).toBe(0);
    expect(retry.stdout).toBe('signalbox-runs\ttired-1\tretried\n');
    const job = await queue.getJob('tired-1');
    expect(await job?.getState()).toBe('waiting');
    expect(job?.attemptsMade).toBe(0);
    worker.resume();
    while (!(await queue.getJob('tired-1').then((j) => j?.isFailed())))
      await new Promise((r) => setTimeout(r, 20));
    expect(runs).toBe(4); // both attempts again, not one
    await worker.close();
    await queue.close();
  });
});
