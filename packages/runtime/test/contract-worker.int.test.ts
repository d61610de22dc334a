import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { redisForTest } from '@signalbox/testkit';
import { type Job, QueueEvents } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { createContractWorker } from '../src/create-contract-worker.ts';
import { createLogger } from '../src/create-logger.ts';
import { createProducer } from '../src/create-producer.ts';
import { createRedis } from '../src/create-redis.ts';
import { PermanentError } from '../src/permanent-error.ts';
import { sleepyQueue } from './fixtures/sleepy-queue.ts';

const { url, prefix } = redisForTest(import.meta.url);
const logger = createLogger({ level: 'silent' });
const closers: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

function connection(forWorker = false) {
  const redis = createRedis(url, { forWorker });
  closers.push(async () => redis.disconnect());
  return redis;
}

describe('a declared contract through BullMQ and a real Redis', () => {
  it('delivers a valid payload, rejects a malformed one permanently, and dedups by job id', async () => {
    const p = `${prefix}-roundtrip`;
    const producer = createProducer(sleepyQueue, { connection: connection(), prefix: p });
    closers.push(() => producer.close());
    const seen: string[] = [];
    const worker = createContractWorker(
      sleepyQueue,
      async (data) => {
        seen.push(data.id);
        if (data.id === 'perm') throw new PermanentError('TEST_PERMANENT', 'cannot ever work');
        return data.id;
      },
      { connection: connection(true), prefix: p, logger },
    );
    closers.push(() => worker.close());
    const events = new QueueEvents(sleepyQueue.name, {
      connection: connection(true),
      prefix: sleepyQueue.keyPrefix(p),
    });
    closers.push(() => events.close());
    await events.waitUntilReady();

    const id = await producer.add({ id: 'a', ms: 0 });
    expect(await producer.add({ id: 'a', ms: 0 })).toBe(id);
    const job = (await producer.queue.getJob(id)) as Job;
    expect(await job.waitUntilFinished(events, 10_000)).toBe('a');

    // The producer refuses what the schema refuses, before anything reaches Redis.
    await expect(producer.add({ id: '', ms: 0 })).rejects.toThrow(/id/);

    // A malformed job written by something else (an older producer) fails once, never retried.
    const bad = await producer.queue.add(
      sleepyQueue.jobName,
      { id: 42 },
      { jobId: 'malformed', attempts: 5 },
    );
    await expect(bad.waitUntilFinished(events, 10_000)).rejects.toThrow(
      /invalid test-sleepy job payload: id:/,
    );
    const failed = (await producer.queue.getJob('malformed')) as Job;
    expect(failed.attemptsMade).toBe(1);
    expect(await failed.getState()).toBe('failed');

    // A PermanentError from the processor is dead-lettered after one attempt too.
    const permId = await producer.add({ id: 'perm', ms: 0 });
    const perm = (await producer.queue.getJob(permId)) as Job;
    await expect(perm.waitUntilFinished(events, 10_000)).rejects.toThrow(/TEST_PERMANENT: cannot ever work/);
    expect((await producer.queue.getJob(permId))?.attemptsMade).toBe(1);
    expect(seen.filter((s) => s === 'a')).toHaveLength(1);
  });

  it('a worker process that gets SIGTERM mid-job finishes the job and exits 0', async () => {
    const p = `${prefix}-shutdown`;
    const child = spawn(
      process.execPath,
      [fileURLToPath(new URL('./fixtures/worker-process.ts', import.meta.url))],
      {
        env: { ...process.env, REDIS_URL: url, QUEUE_PREFIX: p },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
      child.once('exit', (code) => reject(new Error(`worker exited early with ${code}`)));
    });

    const producer = createProducer(sleepyQueue, { connection: connection(), prefix: p });
    closers.push(() => producer.close());
    const marks = connection();
    const id = await producer.add({ id: 'slow', ms: 1_500 });
    while ((await marks.get(`${p}:started:slow`)) !== '1') await new Promise((r) => setTimeout(r, 20));

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(await marks.get(`${p}:finished:slow`)).toBe('1');
    expect(await (await producer.queue.getJob(id))?.getState()).toBe('completed');
  });
});
