import { defaultJobOptions, defineQueue, jobId } from '@signalbox/contracts';
import { redisForTest } from '@signalbox/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createMetricsRegistry } from '../src/create-metrics-registry.ts';
import { createProducer } from '../src/create-producer.ts';
import { createRedis } from '../src/create-redis.ts';
import { registerQueueDepthGauge } from '../src/register-queue-depth-gauge.ts';
import { startHealthServer } from '../src/start-health-server.ts';
import { sleepyQueue } from './fixtures/sleepy-queue.ts';

const { url, prefix } = redisForTest(import.meta.url);
const closers: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

const otherQueue = defineQueue({
  name: 'test-other',
  jobName: 'other',
  schema: z.object({ n: z.number() }),
  defaultJobOptions,
  jobId: (d) => jobId('other', String(d.n)),
});

describe('/metrics queue depth', () => {
  it('covers the queues of every service that registered on the shared registry', async () => {
    const redis = createRedis(url);
    closers.push(async () => redis.disconnect());
    // Two services in one process, each registering its own queues on the one registry.
    const sleepy = createProducer(sleepyQueue, { connection: redis, prefix });
    const other = createProducer(otherQueue, { connection: redis, prefix });
    const sleepyAgain = createProducer(sleepyQueue, { connection: redis, prefix });
    closers.push(
      () => sleepy.close(),
      () => other.close(),
      () => sleepyAgain.close(),
    );
    const registry = createMetricsRegistry();
    registerQueueDepthGauge(registry, [sleepy.queue]);
    registerQueueDepthGauge(registry, [other.queue, sleepyAgain.queue]);
    const health = await startHealthServer({ port: 0, host: '127.0.0.1', checks: [], registry });
    closers.push(() => health.close());

    await sleepy.addBulk([
      { id: 'a', ms: 0 },
      { id: 'b', ms: 0 },
    ]);
    await other.add({ n: 1 });

    const res = await fetch(`http://127.0.0.1:${health.port}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const lines = (await res.text()).split('\n').filter((l) => l.startsWith('signalbox_queue_jobs{'));
    expect(lines).toContain('signalbox_queue_jobs{queue="test-sleepy",state="waiting"} 2');
    expect(lines).toContain('signalbox_queue_jobs{queue="test-other",state="waiting"} 1');
    expect(lines).toContain('signalbox_queue_jobs{queue="test-other",state="failed"} 0');
    // The same queue registered by two services is one series, not two.
    expect(lines.filter((l) => l.includes('test-sleepy') && l.includes('"waiting"'))).toHaveLength(1);
  });
});
