import type { NotificationJob } from '@signalbox/contracts';
import type { Logger } from '@signalbox/runtime';
import type { WebClient } from '@slack/web-api';
import type { NotifierState } from './notifier-state.ts';
import { type RenderOptions, renderParent } from './render-parent.ts';
import { renderStep } from './render-step.ts';
import { RetryLater } from './retry-later.ts';
import type { SlackCaller } from './slack-caller.ts';

/** Slack message metadata type of every message the notifier posts (how it finds its own posts). */
export const metadataEventType = 'signalbox_notification';

export interface WebApiDelivery {
  readonly client: WebClient;
  readonly state: NotifierState;
  readonly call: SlackCaller;
  readonly channel: string;
  readonly change: string;
  readonly jobId: string;
  readonly notification: NotificationJob;
  readonly logger: Logger;
  readonly render?: RenderOptions;
  /** How long a thread lock is held at most (ms, default 30 000). */
  readonly lockMs?: number;
}

type Found = { ts?: string; metadata?: { event_type?: string; event_payload?: Record<string, unknown> } };

const lockRetryMs = () => 200 + Math.floor(Math.random() * 300);

/**
 * Looks for a message this notifier posted (by its metadata) after a post whose answer was lost:
 * Slack has no idempotency key, so the metadata is the key. Pages through at most 5 pages.
 */
async function findOwn(
  d: WebApiDelivery,
  where: { parentTs?: string; sinceMs: number },
  matches: (payload: Record<string, unknown>) => boolean,
): Promise<string | undefined> {
  let cursor: string | undefined;
  for (let page = 0; page < 5; page++) {
    const method = where.parentTs ? 'conversations.replies' : 'conversations.history';
    const res = await d.call(d.channel, 'readMs', method, d.jobId, () =>
      where.parentTs
        ? d.client.conversations.replies({
            channel: d.channel,
            ts: where.parentTs,
            include_all_metadata: true,
            limit: 200,
            ...(cursor ? { cursor } : {}),
          })
        : d.client.conversations.history({
            channel: d.channel,
            oldest: String(Math.floor(where.sinceMs / 1000) - 60),
            include_all_metadata: true,
            limit: 200,
            ...(cursor ? { cursor } : {}),
          }),
    );
    for (const m of (res.messages ?? []) as Found[]) {
      if (
        m.metadata?.event_type === metadataEventType &&
        m.metadata.event_payload &&
        matches(m.metadata.event_payload)
      )
        return m.ts;
    }
    cursor = res.response_metadata?.next_cursor || undefined;
    if (!cursor) return undefined;
  }
  return undefined;
}

/**
 * Posts a message exactly once: a ts recorded in Redis means done; an intent recorded without a ts
 * means an earlier attempt may have posted and died before recording, so Slack is searched for the
 * message's metadata first. The intent is written before the call and the ts right after it.
 */
async function postOnce(
  d: WebApiDelivery,
  field: string,
  payload: Record<string, unknown>,
  message: { text: string; blocks: unknown[] },
  where: { parentTs?: string },
): Promise<string> {
  const recorded = await d.state.field(d.channel, d.change, `ts:${field}`);
  if (recorded) return recorded;
  const intent = await d.state.field(d.channel, d.change, `intent:${field}`);
  if (intent) {
    const found = await findOwn(d, { ...where, sinceMs: Number(intent) }, (p) =>
      Object.entries(payload).every(([k, v]) => p[k] === v),
    );
    if (found) {
      d.logger.info(
        { channel: d.channel, field, ts: found },
        'found the message an earlier attempt posted; not posting again',
      );
      await d.state.setField(d.channel, d.change, `ts:${field}`, found);
      return found;
    }
  }
  await d.state.setField(d.channel, d.change, `intent:${field}`, Date.now());
  const res = await d.call(d.channel, 'postMs', 'chat.postMessage', d.jobId, () =>
    d.client.chat.postMessage({
      channel: d.channel,
      text: message.text,
      blocks: message.blocks as never,
      metadata: { event_type: metadataEventType, event_payload: payload as never },
      unfurl_links: false,
      unfurl_media: false,
      ...(where.parentTs ? { thread_ts: where.parentTs } : {}),
    }),
  );
  const ts = String(res.ts);
  await d.state.setField(d.channel, d.change, `ts:${field}`, ts);
  return ts;
}

/** Holds the thread lock around `fn`, or asks to come back shortly when another job holds it. */
async function withLock<T>(d: WebApiDelivery, fn: () => Promise<T>): Promise<T> {
  const owner = `${d.jobId}:${process.pid}:${Math.random()}`;
  if (!(await d.state.lock(d.channel, d.change, owner, d.lockMs ?? 30_000))) {
    throw new RetryLater(lockRetryMs(), 'thread busy');
  }
  try {
    return await fn();
  } finally {
    await d.state.unlock(d.channel, d.change, owner);
  }
}

/**
 * Delivers one notification to one channel through the Web API: the change's parent message
 * (posted once, under the thread lock), this step's thread reply (posted once), then the parent
 * updated in place to the change's furthest state. Updates coalesce: a job whose step another
 * job's update already showed does not call Slack; the job completes only once the parent shows
 * its step, so a crash between steps never leaves the parent stale.
 */
export async function deliverWebApi(d: WebApiDelivery): Promise<void> {
  const version = await d.state.addEvent(d.channel, d.change, d.jobId, d.notification);
  let parentTs = await d.state.field(d.channel, d.change, 'ts:parent');
  if (!parentTs) {
    parentTs = await withLock(d, async () => {
      const current = await d.state.field(d.channel, d.change, 'version');
      const ts = await postOnce(
        d,
        'parent',
        { jobId: d.jobId, change: d.change, role: 'parent' },
        renderParent(await d.state.events(d.channel, d.change), d.render),
        {},
      );
      await d.state.markDone(d.channel, d.change, Number(current ?? version));
      return ts;
    });
  }
  await postOnce(d, d.jobId, { jobId: d.jobId, change: d.change, role: 'step' }, renderStep(d.notification), {
    parentTs,
  });
  if (Number((await d.state.field(d.channel, d.change, 'done')) ?? 0) >= version) return;
  await withLock(d, async () => {
    if (Number((await d.state.field(d.channel, d.change, 'done')) ?? 0) >= version) return;
    const latest = Number((await d.state.field(d.channel, d.change, 'version')) ?? version);
    const message = renderParent(await d.state.events(d.channel, d.change), d.render);
    await d.call(d.channel, 'updateMs', 'chat.update', d.jobId, () =>
      d.client.chat.update({
        channel: d.channel,
        ts: parentTs,
        text: message.text,
        blocks: message.blocks as never,
      }),
    );
    await d.state.markDone(d.channel, d.change, latest);
  });
}
