import type { Queue } from 'bullmq';
import { Gauge, type Registry } from 'prom-client';

/**
 * The queues each registry's gauge reads. Several services in one process (`signalbox start`)
 * share one registry and each registers its queues; the gauge must cover all of them.
 */
const queuesOf = new WeakMap<Registry, Map<string, Queue>>();

const states = ['waiting', 'active', 'delayed', 'prioritized', 'failed'] as const;

/**
 * `signalbox_queue_jobs{queue,state}`: jobs per queue and state, read from Redis at scrape time
 * (`failed` is the dead-letter set). Calls add to the queues already registered on `registry`; a
 * queue registered twice (same prefix and name) is read once.
 *
 * These are read-only views on a service's connection. BullMQ prints every error of a queue
 * without an `error` listener to stderr as a raw stack trace (one per reconnect attempt while
 * Redis is down); the connection already logs the outage once (`createRedis`), so the views get a
 * listener that keeps them quiet.
 */
export function registerQueueDepthGauge(registry: Registry, queues: readonly Queue[]): void {
  let known = queuesOf.get(registry);
  if (!known) {
    const read = new Map<string, Queue>();
    known = read;
    queuesOf.set(registry, read);
    new Gauge({
      name: 'signalbox_queue_jobs',
      help: 'Jobs per queue and state (failed = dead-lettered), read at scrape time',
      labelNames: ['queue', 'state'],
      registers: [registry],
      async collect() {
        await Promise.all(
          [...read.values()].map(async (queue) => {
            try {
              const counts = await queue.getJobCounts(...states);
              for (const state of states) this.set({ queue: queue.name, state }, counts[state] ?? 0);
            } catch {
              // Redis down or the queue closed at shutdown: keep the last values; /readyz reports the outage.
            }
          }),
        );
      },
    });
  }
  for (const queue of queues) {
    if (queue.listenerCount('error') === 0) queue.on('error', () => {});
    if (!known.has(queue.qualifiedName)) known.set(queue.qualifiedName, queue);
  }
}
