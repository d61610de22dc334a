import { Counter, type Registry } from 'prom-client';

/** Prometheus metrics of the notifier. */
export interface NotifierMetrics {
  /** Notifications by outcome: delivered, unmatched, dead_lettered, retry. */
  readonly notifications: Counter<'outcome'>;
  /** Slack calls by method and result: ok, rate_limited, permanent, transient, found (a post found by its metadata). */
  readonly slackCalls: Counter<'method' | 'result'>;
}

export function createNotifierMetrics(registry: Registry): NotifierMetrics {
  const existing = registry.getSingleMetric('signalbox_notifications_total');
  if (existing) {
    return {
      notifications: existing as Counter<'outcome'>,
      slackCalls: registry.getSingleMetric('signalbox_slack_calls_total') as Counter<'method' | 'result'>,
    };
  }
  return {
    notifications: new Counter({
      name: 'signalbox_notifications_total',
      help: 'Notifications handled by outcome (delivered, unmatched, dead_lettered, retry)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    slackCalls: new Counter({
      name: 'signalbox_slack_calls_total',
      help: 'Slack calls by method and result (ok, rate_limited, permanent, transient, found)',
      labelNames: ['method', 'result'],
      registers: [registry],
    }),
  };
}
