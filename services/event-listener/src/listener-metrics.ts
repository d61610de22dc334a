import { Counter, Histogram, type Registry } from 'prom-client';

/** Prometheus metrics of the intake. */
export interface ListenerMetrics {
  /** One delivery answered: its outcome, HTTP status and time to acknowledgement (seconds). */
  delivery(listener: string, outcome: string, status: number, seconds: number): void;
  /** One trigger's verdict on a delivery. */
  verdict(listener: string, trigger: string, fired: boolean): void;
}

/**
 * Registers `signalbox_deliveries_total{listener,outcome}`,
 * `signalbox_trigger_verdicts_total{listener,trigger,outcome}` (fired | not_fired) and the
 * `signalbox_ack_seconds{listener,status}` histogram. Verdicts — one per trigger per delivery —
 * are counted in plain numbers and handed to prom-client when it is scraped: a labelled `inc()`
 * hashes its labels on every call, which at ten triggers a delivery is measurable.
 */
export function createListenerMetrics(registry: Registry): ListenerMetrics {
  // A service restarted in the same process (tests, `signalbox start`) registers afresh: a
  // counter reset, as after any restart.
  for (const name of [
    'signalbox_deliveries_total',
    'signalbox_trigger_verdicts_total',
    'signalbox_ack_seconds',
  ])
    registry.removeSingleMetric(name);
  const counts = new Map<string, Map<string, { fired: number; notFired: number }>>();
  const deliveries = new Counter({
    name: 'signalbox_deliveries_total',
    help: 'Webhook deliveries by listener (a configured name, or _unknown) and outcome (accepted, duplicate, unauthenticated, invalid, too_large, timeout, at_capacity, aborted, unavailable, upstream_unavailable, unknown_listener)',
    labelNames: ['listener', 'outcome'],
    registers: [registry],
  });
  new Counter({
    name: 'signalbox_trigger_verdicts_total',
    help: 'Trigger verdicts by listener, trigger and outcome (fired, not_fired)',
    labelNames: ['listener', 'trigger', 'outcome'],
    registers: [registry],
    collect() {
      for (const [listener, triggers] of counts) {
        for (const [trigger, c] of triggers) {
          if (c.fired > 0) this.inc({ listener, trigger, outcome: 'fired' }, c.fired);
          if (c.notFired > 0) this.inc({ listener, trigger, outcome: 'not_fired' }, c.notFired);
          c.fired = 0;
          c.notFired = 0;
        }
      }
    },
  });
  const ackSeconds = new Histogram({
    name: 'signalbox_ack_seconds',
    help: 'Time from request to acknowledgement (jobs and ledger durably in Redis for a 202)',
    labelNames: ['listener', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 3],
    registers: [registry],
  });
  return {
    delivery(listener, outcome, status, seconds) {
      deliveries.inc({ listener, outcome });
      ackSeconds.observe({ listener, status: String(status) }, seconds);
    },
    verdict(listener, trigger, fired) {
      let triggers = counts.get(listener);
      if (!triggers) counts.set(listener, (triggers = new Map()));
      let c = triggers.get(trigger);
      if (!c) triggers.set(trigger, (c = { fired: 0, notFired: 0 }));
      if (fired) c.fired++;
      else c.notFired++;
    },
  };
}
