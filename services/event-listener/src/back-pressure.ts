import type { Logger } from 'pino';

/** Why the listener refuses new deliveries now, and for how long a sender should wait. */
export interface Refusal {
  readonly retryAfterSeconds: number;
  readonly message: string;
}

/** The listener's bound on work it has accepted that no run-scheduler has taken yet. */
export interface BackPressure {
  /** Undefined while the backlog is within its limit. */
  refusal(): Refusal | undefined;
  /** Counts `jobs` runs jobs as pending until the returned function is called (when Redis has answered). */
  hold(jobs: number): () => void;
  /** Stops sampling. */
  stop(): void;
}

export interface BackPressureOptions {
  /**
   * Runs jobs (one per delivery that fired runs) waiting for a scheduler, in Redis and on their way
   * there, beyond which deliveries get 503.
   */
  readonly maxBacklog: number;
  /** Runs jobs waiting in Redis for a worker (the runs queue's waiting count). */
  waiting(): Promise<number>;
  /** How often `waiting` is asked (ms, default 250): a few cheap Redis reads a second. */
  readonly sampleMs?: number;
  /** The Retry-After of a refusal (seconds, default 10). */
  readonly retryAfterSeconds?: number;
  readonly logger: Logger;
}

/**
 * Back-pressure instead of collapse. When the run-scheduler falls behind, its jobs pile up in
 * Redis; when Redis falls behind, deliveries pile up in the listener waiting for their commit.
 * Either way latency would grow without bound and, for the second, memory too. The backlog is
 * both: the runs queue's waiting jobs (sampled every `sampleMs`) plus the runs jobs of deliveries
 * whose commit has not been answered yet; a delivery's runs are one job, so the unit is deliveries. Beyond `maxBacklog`, and until it is back under 90 %
 * of it, the listener answers 503 with Retry-After before reading a body — GitHub shows the
 * delivery as failed (redeliverable from its UI, or by `signalbox deliveries recover`), Harbor
 * retries — and its memory stays flat.
 *
 * Only the runs queue counts: notifications wait on Slack's pacing by design, and a slow Slack
 * must not turn builds away.
 */
export function createBackPressure(options: BackPressureOptions): BackPressure {
  const { maxBacklog, logger } = options;
  const retryAfterSeconds = options.retryAfterSeconds ?? 10;
  // Hysteresis: refusing starts above the limit and stops a tenth below it, so a backlog hovering
  // at the limit does not flip the answer (and the log) with every commit.
  const resumeAt = Math.floor(maxBacklog * 0.9);
  let waiting = 0;
  let pending = 0;
  let over = false;
  let sampling = false;
  const check = () => {
    const backlog = waiting + pending;
    if (backlog > maxBacklog && !over) {
      over = true;
      logger.warn(
        { backlog, waiting, pending, maxBacklog },
        'backlog over SIGNALBOX_MAX_BACKLOG: answering 503 + Retry-After until the run-scheduler catches up',
      );
    } else if (backlog <= resumeAt && over) {
      over = false;
      logger.info(
        { backlog, maxBacklog },
        'backlog within SIGNALBOX_MAX_BACKLOG again: accepting deliveries',
      );
    }
  };
  const sample = async () => {
    if (sampling) return;
    sampling = true;
    try {
      waiting = await options.waiting();
      check();
    } catch {
      // Redis unreachable: the last sample stands, and pending commits still count.
    } finally {
      sampling = false;
    }
  };
  const timer = setInterval(sample, options.sampleMs ?? 250);
  timer.unref();
  void sample();
  return {
    refusal() {
      if (!over) return undefined;
      return {
        retryAfterSeconds,
        message: `more than ${maxBacklog} deliveries' runs are waiting for the run-scheduler; retry later`,
      };
    },
    hold(jobs) {
      pending += jobs;
      check();
      let released = false;
      return () => {
        if (released) return;
        released = true;
        pending -= jobs;
        check();
      };
    },
    stop: () => clearInterval(timer),
  };
}
