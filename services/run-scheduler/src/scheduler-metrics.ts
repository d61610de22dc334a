import { Counter, Histogram, type Registry } from 'prom-client';

/** Prometheus metrics of the run-scheduler, registered once per registry. */
export interface SchedulerMetrics {
  /** Create attempts by outcome: created, repeat, queued, retry, dead_lettered. */
  readonly creates: Counter<'outcome'>;
  /** Time from the event's enqueue to its object existing (seconds). */
  readonly enqueueToCreated: Histogram;
  /** Run transitions notified by this replica, by kind. */
  readonly transitions: Counter<'kind'>;
}

export function createSchedulerMetrics(registry: Registry): SchedulerMetrics {
  const existing = registry.getSingleMetric('signalbox_run_creates_total');
  if (existing) {
    return {
      creates: existing as Counter<'outcome'>,
      enqueueToCreated: registry.getSingleMetric('signalbox_run_enqueue_to_created_seconds') as Histogram,
      transitions: registry.getSingleMetric('signalbox_run_transitions_total') as Counter<'kind'>,
    };
  }
  return {
    creates: new Counter({
      name: 'signalbox_run_creates_total',
      help: 'Run create attempts by outcome (created, repeat, queued, retry, dead_lettered)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    enqueueToCreated: new Histogram({
      name: 'signalbox_run_enqueue_to_created_seconds',
      help: 'Time from enqueue of the event to its Kubernetes object existing',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5, 30, 120, 600],
      registers: [registry],
    }),
    transitions: new Counter({
      name: 'signalbox_run_transitions_total',
      help: 'PipelineRun transitions notified (run.started, run.succeeded, run.failed)',
      labelNames: ['kind'],
      registers: [registry],
    }),
  };
}
