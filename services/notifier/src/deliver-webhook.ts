import { createHash } from 'node:crypto';
import type { NotificationJob } from '@signalbox/contracts';
import { IncomingWebhook } from '@slack/webhook';
import type { NotifierMetrics } from './notifier-metrics.ts';
import type { NotifierState } from './notifier-state.ts';
import { renderStep } from './render-step.ts';
import { createSlackCaller, type Pacing } from './slack-caller.ts';

/**
 * Sends one notification through an incoming webhook: one message per notification (a webhook
 * returns no ts, so no threads or updates), paced per hook, a 429 honoured with its Retry-After
 * (read from the response: `@slack/webhook` does not expose it). The worker records the send; a
 * crash between Slack's `ok` and that record sends again (a webhook offers nothing to look the
 * message up by): at least once, never lost.
 */
export async function deliverWebhook(d: {
  url: string;
  jobId: string;
  notification: NotificationJob;
  state: NotifierState;
  pacing: Pacing;
  metrics?: NotifierMetrics;
  timeoutMs?: number;
}): Promise<void> {
  const hookId = `hook-${createHash('sha256').update(d.url).digest('hex').slice(0, 16)}`;
  let retryAfterSec: number | undefined;
  const hook = new IncomingWebhook(d.url, {
    timeout: d.timeoutMs ?? 10_000,
    fetch: async (input: string | URL | Request, init?: RequestInit) => {
      const res = await fetch(input, init);
      const header = res.headers.get('retry-after');
      retryAfterSec = header && /^\d+$/.test(header) ? Number(header) : undefined;
      return res;
    },
  });
  const call = createSlackCaller({
    state: d.state,
    pacing: d.pacing,
    leaseMs: (d.timeoutMs ?? 10_000) + 5_000,
    ...(d.metrics ? { metrics: d.metrics } : {}),
    retryAfterSec: () => retryAfterSec,
  });
  const message = renderStep(d.notification);
  await call(hookId, 'postMs', 'webhook', d.jobId, () =>
    hook.send({ text: message.text, blocks: message.blocks as never, unfurl_links: false }),
  );
}
