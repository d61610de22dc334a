import { redisForTest } from '@signalbox/testkit';
import { type Job, QueueEvents } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { createContractWorker } from '../src/create-contract-worker.ts';
import { createLogger } from '../src/create-logger.ts';
import { createProducer } from '../src/create-producer.ts';
import { createRedis } from '../src/create-redis.ts';
import { addStandardJobLua, scriptedQueue } from '../src/scripted-queue.ts';
import { sleepyQueue } from './fixtures/sleepy-queue.ts';

const { url, prefix } = redisForTest(import.meta.url);
const closers: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});
const redis = createRedis(url, { forWorker: true });
closers.push(async () => redis.disconnect());

// A script of ours calling BullMQ's addStandardJob for each job it is given.
redis.defineCommand('testScriptedAdd', {
  lua: `${addStandardJobLua}
local out = {}
for i = 1, #ARGV, 3 do
  out[#out + 1] = addStandardJob({KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9]}, {ARGV[i], ARGV[i + 1], ARGV[i + 2]})
end
return out`,
});
type ScriptedAdd = (n: number, ...args: (string | Buffer)[]) => Promise<string[]>;
const scriptedAdd = (redis as unknown as { testScriptedAdd: ScriptedAdd }).testScriptedAdd.bind(redis);

/** A queue's keys as Redis holds them, with the parts that differ by run (timestamps, stream ids) masked. */
async function snapshot(p: string, jobId: string) {
  const base = `${sleepyQueue.keyPrefix(p)}:${sleepyQueue.name}`;
  const job = await redis.hgetall(`${base}:${jobId}`);
  const events = await redis.xrange(`${base}:events`, '-', '+');
  return {
    job: { ...job, timestamp: job.timestamp ? 'set' : 'missing', opts: JSON.parse(job.opts ?? 'null') },
    wait: await redis.lrange(`${base}:wait`, 0, -1),
    marker: await redis.zrange(`${base}:marker`, '0', '-1', 'WITHSCORES'),
    meta: await redis.hgetall(`${base}:meta`),
    id: await redis.get(`${base}:id`),
    events: events.map(([, fields]) => fields),
  };
}

describe('jobs added by a script of ours through BullMQ’s own addStandardJob', () => {
  it('leave Redis exactly as Queue.add leaves it, and a re-added id is a no-op like Queue.add’s', async () => {
    const viaQueue = createProducer(sleepyQueue, { connection: redis, prefix: `${prefix}-q` });
    const viaScript = createProducer(sleepyQueue, { connection: redis, prefix: `${prefix}-s` });
    closers.push(
      () => viaQueue.close(),
      () => viaScript.close(),
    );
    const data = { id: 'same', ms: 5 };
    const id = await viaQueue.add(data);
    await viaQueue.add(data);

    const scripted = scriptedQueue(sleepyQueue, viaScript.queue);
    const { jobId, argv } = scripted.job(data, Date.now());
    expect(jobId).toBe(id);
    expect(await scriptedAdd(9, ...scripted.keys, ...argv, ...argv)).toEqual([id, id]);

    expect(await snapshot(`${prefix}-s`, id)).toEqual(await snapshot(`${prefix}-q`, id));
  });

  it('are processed by a real Worker with the contract’s data and options', async () => {
    const p = `${prefix}-work`;
    const producer = createProducer(sleepyQueue, { connection: redis, prefix: p });
    closers.push(() => producer.close());
    const seen: unknown[] = [];
    const worker = createContractWorker(
      sleepyQueue,
      async (payload) => {
        seen.push(payload);
        return payload.id;
      },
      {
        connection: createRedis(url, { forWorker: true }),
        prefix: p,
        logger: createLogger({ level: 'silent' }),
      },
    );
    closers.push(() => worker.close());
    const events = new QueueEvents(sleepyQueue.name, {
      connection: createRedis(url, { forWorker: true }),
      prefix: sleepyQueue.keyPrefix(p),
    });
    closers.push(() => events.close());
    await events.waitUntilReady();

    const scripted = scriptedQueue(sleepyQueue, producer.queue);
    const a = scripted.job({ id: 'a', ms: 0 }, Date.now());
    const b = scripted.job({ id: 'b', ms: 0 }, Date.now());
    await scriptedAdd(9, ...scripted.keys, ...a.argv, ...b.argv);
    for (const { jobId } of [a, b]) {
      const job = (await producer.queue.getJob(jobId)) as Job;
      expect(job.opts).toMatchObject({ ...sleepyQueue.defaultJobOptions, jobId });
      expect(await job.waitUntilFinished(events, 10_000)).toBe(jobId === a.jobId ? 'a' : 'b');
    }
    expect(seen).toEqual([
      { id: 'a', ms: 0 },
      { id: 'b', ms: 0 },
    ]);
  });
});
