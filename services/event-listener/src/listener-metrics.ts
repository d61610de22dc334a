import { Counter, Histogram, type Registry } from 'prom-client';

/** Prometheus metrics of the intake, registered once per registry. */
export interface ListenerMetrics {
  readonly deliveries: Counter<'listener' | 'outcome'>;
  readonly verdicts: Counter<'listener' | 'trigger' | 'outcome'>;
  readonly ackSeconds: Histogram<'listener' | 'status'>;
}

export function createListenerMetrics(registry: Registry): ListenerMetrics {
  const existing = registry.getSingleMetric('signalbox_deliveries_total');
  if (existing) {
    return {
      deliveries: existing as Counter<'listener' | 'outcome'>,
      verdicts: registry.getSingleMetric('signalbox_trigger_verdicts_total') as Counter<
        'listener' | 'trigger' | 'outcome'
      >,
      ackSeconds: registry.getSingleMetric('signalbox_ack_seconds') as Histogram<'listener' | 'status'>,
    };
  }
  return {
    deliveries: new Counter({
      name: 'signalbox_deliveries_total',
      help: 'Webhook deliveries by listener and outcome (accepted, duplicate, unauthenticated, invalid, unavailable, unknown_listener)',
      labelNames: ['listener', 'outcome'],
      registers: [registry],
    }),
    verdicts: new Counter({
      name: 'signalbox_trigger_verdicts_total',
      help: 'Trigger verdicts by listener, trigger and outcome (fired, not_fired)',
      labelNames: ['listener', 'trigger', 'outcome'],
      registers: [registry],
    }),
    ackSeconds: new Histogram({
      name: 'signalbox_ack_seconds',
      help: 'Time from request to acknowledgement (jobs and ledger durably in Redis)',
      labelNames: ['listener', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 3],
      registers: [registry],
    }),
  };
}
