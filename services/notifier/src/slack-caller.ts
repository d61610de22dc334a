import { PermanentError } from '@signalbox/runtime';
import { classifySlackError } from './classify-slack-error.ts';
import type { NotifierMetrics } from './notifier-metrics.ts';
import type { NotifierState } from './notifier-state.ts';
import { RetryLater } from './retry-later.ts';

/** Minimum spacing of calls per channel, by pacing class (ms). */
export interface Pacing {
  /** chat.postMessage and webhook posts: Slack allows about 1/s per channel (default 1 100). */
  readonly postMs: number;
  /** chat.update, Tier 3 (~50/min; default 1 200). */
  readonly updateMs: number;
  /** conversations.history / replies, Tier 3 (default 1 200). */
  readonly readMs: number;
}

export const defaultPacing: Pacing = { postMs: 1_100, updateMs: 1_200, readMs: 1_200 };

/**
 * Makes one paced Slack call for a job: waits for the job's slot on the channel, and for any call
 * of the same class still in flight there (by delaying the job, never by sleeping in the worker,
 * so other channels' jobs keep flowing), then maps failures
 * to the taxonomy — a 429 blocks that channel alone for Retry-After and delays the job; a
 * permanent Slack error becomes a `PermanentError` (dead-lettered after this one attempt); anything
 * else is thrown for BullMQ's backoff with jitter.
 */
export function createSlackCaller(deps: {
  state: NotifierState;
  pacing: Pacing;
  metrics?: NotifierMetrics;
  /** For webhooks: the Retry-After of the last 429 (the client does not expose it). */
  retryAfterSec?: () => number | undefined;
  /**
   * How long a call's in-flight mark outlives a worker that died during it (ms): more than the
   * Slack request timeout, so a slow call is never overtaken by the next one.
   */
  leaseMs: number;
}) {
  return async function call<T>(
    channel: string,
    cls: keyof Pacing,
    method: string,
    jobId: string,
    fn: () => Promise<T>,
  ): Promise<T> {
    const wait = await deps.state.reserve(channel, cls, jobId, deps.pacing[cls], deps.leaseMs);
    if (wait > 0) throw new RetryLater(wait, `waiting for ${channel}'s next ${cls} slot`);
    let result: T;
    try {
      result = await fn();
    } catch (err) {
      const failure = classifySlackError(err, deps.retryAfterSec?.());
      deps.metrics?.slackCalls.inc({ method, result: failure.kind });
      if (failure.kind === 'rate_limited') {
        await deps.state.release(channel, cls, jobId, Date.now() + failure.retryAfterMs);
        throw new RetryLater(failure.retryAfterMs, `${method} rate-limited on ${channel}`);
      }
      await deps.state.release(channel, cls, jobId);
      if (failure.kind === 'permanent') {
        throw new PermanentError(`SLACK_${failure.code}`, `${method} to ${channel}: ${failure.message}`, {
          cause: err,
        });
      }
      throw new Error(`${method} to ${channel}: ${failure.message}`, { cause: err });
    }
    await deps.state.release(channel, cls, jobId);
    deps.metrics?.slackCalls.inc({ method, result: 'ok' });
    return result;
  };
}

export type SlackCaller = ReturnType<typeof createSlackCaller>;
