import type { Queue } from 'bullmq';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';

/** A registry with Node's default process metrics. One per process, passed to every service. */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** `signalbox_queue_jobs{queue,state}`: queue depth read from Redis when /metrics is scraped. */
export function registerQueueDepthGauge(registry: Registry, queues: readonly Queue[]): void {
  const existing = registry.getSingleMetric('signalbox_queue_jobs');
  if (existing) registry.removeSingleMetric('signalbox_queue_jobs');
  new Gauge({
    name: 'signalbox_queue_jobs',
    help: 'Jobs per queue and state, read at scrape time',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      for (const queue of queues) {
        try {
          const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized');
          for (const [state, count] of Object.entries(counts)) this.set({ queue: queue.name, state }, count);
        } catch {
          // Redis down: keep the last values; /readyz reports the outage.
        }
      }
    },
  });
}
