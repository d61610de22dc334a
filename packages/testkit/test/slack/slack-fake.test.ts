import { readFileSync } from 'node:fs';
import { type WebAPIPlatformError, type WebAPIRateLimitedError, WebClient } from '@slack/web-api';
import { IncomingWebhook, type IncomingWebhookHTTPError } from '@slack/webhook';
import { afterEach, describe, expect, it } from 'vitest';
import { type SlackFake, type SlackFakeOptions, startSlackFake } from '../../src/index.ts';

// A copy of ../shared/fixtures/slack: CI runs on a clone that has only the repository.
const fixtures = new URL('../fixtures/slack/', import.meta.url);
const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(name, fixtures), 'utf8')) as { status: number; body: unknown };

let fake: SlackFake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});
const start = async (options: SlackFakeOptions = {}) => (fake = await startSlackFake(options));
const C = 'C07A1B2C3D4';
/** The client the notifier uses: no retries, 429s thrown to the caller. */
const client = (f: SlackFake, token = 'xoxb-test') =>
  new WebClient(token, { slackApiUrl: f.apiUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true });
const platformError = async (p: Promise<unknown>): Promise<Record<string, unknown>> => {
  const err = (await p.then(
    () => undefined,
    (e: unknown) => e,
  )) as WebAPIPlatformError | undefined;
  expect(err?.code).toBe('slack_webapi_platform_error');
  // @slack/web-api adds an empty response_metadata to every result.
  const { response_metadata, ...data } = err?.data ?? { ok: false };
  return Object.keys(response_metadata ?? {}).length > 0 ? { ...data, response_metadata } : data;
};

describe('Slack fake: Web API through @slack/web-api', () => {
  it('posts, threads, updates and reads back messages with their metadata (form-encoded, Bearer token)', async () => {
    const f = await start();
    const slack = client(f);
    expect((await slack.auth.test()).bot_id).toBe('B07BOTID123');
    const metadata = { event_type: 'signalbox_notification', event_payload: { jobId: 'notify-1' } };
    const parent = await slack.chat.postMessage({
      channel: C,
      text: 'build started',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*build* started' } }],
      metadata,
    });
    expect(parent.channel).toBe(C);
    expect(parent.ts).toMatch(/^\d+\.\d{6}$/);
    const reply = await slack.chat.postMessage({ channel: C, text: 'step', thread_ts: parent.ts ?? '' });
    await slack.chat.update({ channel: C, ts: parent.ts ?? '', text: 'build succeeded' });

    const history = await slack.conversations.history({ channel: C, include_all_metadata: true });
    expect(history.messages).toHaveLength(1);
    expect(history.messages?.[0]).toMatchObject({
      ts: parent.ts,
      text: 'build succeeded',
      metadata,
      reply_count: 1,
    });
    const plain = await slack.conversations.history({ channel: C });
    expect(plain.messages?.[0]?.metadata).toBeUndefined();
    const thread = await slack.conversations.replies({
      channel: C,
      ts: parent.ts ?? '',
      include_all_metadata: true,
    });
    expect(thread.messages?.map((m) => m.ts)).toEqual([parent.ts, reply.ts]);
    expect(f.replies(C, parent.ts ?? '').map((m) => m.text)).toEqual(['step']);
    expect(f.messages(C)[0]?.updates).toEqual(['build succeeded']);
  });

  it('accepts JSON bodies too, and pages history by cursor', async () => {
    const f = await start({ limits: { postMessage: { perSecond: 100, burst: 100 } } });
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${f.apiUrl}chat.postMessage`, {
        method: 'POST',
        headers: { authorization: 'Bearer xoxb-test', 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify({
          channel: C,
          text: `m${i}`,
          metadata: { event_type: 't', event_payload: { i } },
        }),
      });
      expect(((await res.json()) as { ok: boolean }).ok).toBe(true);
    }
    const slack = client(f);
    const first = await slack.conversations.history({ channel: C, limit: 3 });
    expect(first.messages?.map((m) => m.text)).toEqual(['m4', 'm3', 'm2']);
    expect(first.has_more).toBe(true);
    const second = await slack.conversations.history({
      channel: C,
      limit: 3,
      cursor: first.response_metadata?.next_cursor ?? '',
    });
    expect(second.messages?.map((m) => m.text)).toEqual(['m1', 'm0']);
    expect(second.has_more).toBe(false);
  });

  it('answers the error bodies of the fixtures for auth, channels, membership, threads and content', async () => {
    const f = await start({
      tokens: { 'xoxb-test': 'ok', 'xoxb-old': 'revoked', 'xoxb-gone': 'inactive' },
      channels: [{ id: C }, { id: 'C0OUTSIDE1', member: false }, { id: 'C0ARCHIVE1', archived: true }],
      limits: { postMessage: { perSecond: 100, burst: 100 } },
    });
    const slack = client(f);
    expect(await platformError(client(f, 'xoxb-wrong').chat.postMessage({ channel: C, text: 'x' }))).toEqual(
      fixture('web-api/error.invalid_auth.json').body,
    );
    expect(
      await platformError(
        new WebClient(undefined, { slackApiUrl: f.apiUrl, retryConfig: { retries: 0 } }).auth.test(),
      ),
    ).toEqual(fixture('web-api/error.not_authed.json').body);
    expect((await platformError(client(f, 'xoxb-old').auth.test()))?.error).toBe('token_revoked');
    expect(await platformError(client(f, 'xoxb-gone').auth.test())).toEqual(
      fixture('web-api/error.account_inactive.json').body,
    );
    expect(await platformError(slack.chat.postMessage({ channel: 'C0MISSING1', text: 'x' }))).toEqual(
      fixture('web-api/error.channel_not_found.json').body,
    );
    expect(await platformError(slack.chat.postMessage({ channel: 'C0OUTSIDE1', text: 'x' }))).toEqual(
      fixture('web-api/error.not_in_channel.json').body,
    );
    expect(await platformError(slack.chat.postMessage({ channel: 'C0ARCHIVE1', text: 'x' }))).toEqual(
      fixture('web-api/error.is_archived.json').body,
    );
    expect(await platformError(slack.chat.postMessage({ channel: C, text: 'x'.repeat(40_001) }))).toEqual(
      fixture('web-api/error.msg_too_long.json').body,
    );
    expect(
      await platformError(
        slack.chat.postMessage({
          channel: C,
          text: 'fallback',
          blocks: [
            { type: 'header', text: { type: 'plain_text', text: 'h' } },
            { type: 'section', text: { type: 'mrkdwn', text: 'y'.repeat(3001) } },
          ],
        }),
      ),
    ).toEqual(fixture('web-api/error.invalid_blocks.json').body);
    expect(await platformError(slack.chat.update({ channel: C, ts: '1.000001', text: 'x' }))).toEqual(
      fixture('web-api/error.chat.update.message_not_found.json').body,
    );
    // thread_ts must name a top-level message: not an unknown ts, not a reply's ts.
    expect(
      (await platformError(slack.chat.postMessage({ channel: C, text: 'r', thread_ts: '1.000001' })))?.error,
    ).toBe('thread_not_found');
    const parent = await slack.chat.postMessage({ channel: C, text: 'p' });
    const reply = await slack.chat.postMessage({ channel: C, text: 'r', thread_ts: parent.ts ?? '' });
    expect(
      (await platformError(slack.chat.postMessage({ channel: C, text: 'rr', thread_ts: reply.ts ?? '' })))
        ?.error,
    ).toBe('thread_not_found');
    expect(f.messages(C)).toHaveLength(1);
  });

  it('rate-limits chat.postMessage per channel with 429 + Retry-After, and records whether the client waited', async () => {
    const f = await start({
      channels: [{ id: C }, { id: 'C0OTHER001' }],
      limits: { postMessage: { perSecond: 1, burst: 2 } },
    });
    const slack = client(f);
    await slack.chat.postMessage({ channel: C, text: '1' });
    await slack.chat.postMessage({ channel: C, text: '2' });
    const err = (await slack.chat
      .postMessage({ channel: C, text: '3' })
      .catch((e: unknown) => e)) as WebAPIRateLimitedError;
    expect(err.code).toBe('slack_webapi_rate_limited_error');
    expect(err.retryAfter).toBe(1);
    // Another channel is not limited by this one.
    await slack.chat.postMessage({ channel: 'C0OTHER001', text: 'elsewhere' });
    // Calling again at once: refused again, and recorded as not having waited.
    await expect(slack.chat.postMessage({ channel: C, text: '3' })).rejects.toMatchObject({ retryAfter: 1 });
    expect(f.rateLimited[0]).toMatchObject({ method: 'chat.postMessage', scope: C, waited: false });
    await new Promise((r) => setTimeout(r, 1_000));
    await slack.chat.postMessage({ channel: C, text: '3' });
    expect(f.rateLimited[1]).toMatchObject({ scope: C, retryAfterSec: 1, waited: true });
    expect(f.messages(C).map((m) => m.text)).toEqual(['1', '2', '3']);
    const raw = await fetch(`${f.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { authorization: 'Bearer xoxb-test', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ channel: C, text: '4' }),
    });
    expect(raw.status).toBe(429);
    expect(raw.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await raw.json()).toEqual(fixture('web-api/ratelimited.429.json').body);
  });

  it('injects faults: errors, 503s, and a delay after the message is stored', async () => {
    const f = await start();
    const slack = client(f);
    f.inject({ method: 'chat.postMessage', status: 503, times: 1 });
    const http = (await slack.chat.postMessage({ channel: C, text: 'x' }).catch((e: unknown) => e)) as {
      code: string;
      statusCode: number;
    };
    expect(http).toMatchObject({ code: 'slack_webapi_http_error', statusCode: 503 });
    const internal = f.inject({ method: 'chat.postMessage', error: 'internal_error' });
    expect((await platformError(slack.chat.postMessage({ channel: C, text: 'x' })))?.error).toBe(
      'internal_error',
    );
    expect(internal.hits).toBe(1);
    expect(f.messages(C)).toHaveLength(0);

    f.inject({ method: 'chat.postMessage', delayMs: 400 });
    const impatient = new WebClient('xoxb-test', {
      slackApiUrl: f.apiUrl,
      retryConfig: { retries: 0 },
      timeout: 100,
    });
    await expect(impatient.chat.postMessage({ channel: C, text: 'stored anyway' })).rejects.toBeTruthy();
    // The client gave up, but Slack had already posted it.
    expect(f.messages(C).map((m) => m.text)).toEqual(['stored anyway']);
  });
});

describe('Slack fake: incoming webhooks through @slack/webhook', () => {
  it('posts into the hook channel and answers "ok"; errors are the fixtures status and text', async () => {
    const f = await start({ channels: [{ id: C }, { id: 'C0ARCHIVE1', archived: true }] });
    const hook = new IncomingWebhook(f.addWebhook(C));
    expect(await hook.send({ text: 'hello' })).toEqual({ text: fixture('incoming-webhook/ok.json').body });
    expect(f.messages(C).map((m) => [m.text, m.via])).toEqual([['hello', 'webhook']]);

    const failure = async (h: IncomingWebhook, message: Parameters<IncomingWebhook['send']>[0]) =>
      (await h.send(message).catch((e: unknown) => e)) as IncomingWebhookHTTPError;
    const noText = await failure(hook, {});
    expect([noText.statusCode, noText.body]).toEqual([400, 'no_text']);
    const missing = await failure(new IncomingWebhook(`${f.url}/services/T1/B1/nope`), { text: 'x' });
    expect([missing.statusCode, missing.body]).toEqual([404, 'no_service']);
    const archived = await failure(new IncomingWebhook(f.addWebhook('C0ARCHIVE1')), { text: 'x' });
    expect([archived.statusCode, archived.body]).toEqual([410, 'channel_is_archived']);
    f.inject({ method: 'webhook', status: 500 });
    const rollup = await failure(hook, { text: 'x' });
    expect([rollup.statusCode, rollup.body]).toEqual([500, 'rollup_error']);
  });

  it('rate-limits a hook with 429 + Retry-After', async () => {
    const f = await start({ limits: { webhook: { perSecond: 1, burst: 1 } } });
    const url = f.addWebhook(C);
    await new IncomingWebhook(url).send({ text: '1' });
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"text":"2"}',
    });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(Object.keys((await res.json()) as object)).toEqual(
      Object.keys(fixture('incoming-webhook/ratelimited.429.json').body as object),
    );
  });
});
