import { collectDefaultMetrics, Registry } from 'prom-client';

/** A registry with Node's default process metrics. One per process, passed to every service. */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}
