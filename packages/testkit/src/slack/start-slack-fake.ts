import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readSlackRequest } from './read-slack-request.ts';
import { type RateLimit, type RateLimitedCall, SlackRateLimiter } from './slack-rate-limiter.ts';
import {
  type FakeChannel,
  type FakeSlackMessage,
  type SlackResult,
  SlackWorkspace,
} from './slack-workspace.ts';

/**
 * A fault for the next matching calls (`method` is a Web API method or `webhook`; `channel` narrows
 * it). `error` answers HTTP 200 `{ok:false, error}` (a webhook: that text with `status`, default
 * 400); `status` alone answers that HTTP status as Slack's edge does (`Service Unavailable` text,
 * `retryAfter` → a 429 with Retry-After). `delayMs` alone lets the call succeed — the message is
 * stored — and holds the answer back that long: a client killed meanwhile never learns its ts.
 */
export interface SlackFault {
  readonly method?: string;
  readonly channel?: string;
  readonly error?: string;
  readonly status?: number;
  readonly retryAfter?: number;
  readonly delayMs?: number;
  /** How many calls it applies to (default 1). */
  readonly times?: number;
}

export interface SlackFaultHandle {
  readonly hits: number;
  remove(): void;
}

/** One call as the fake answered it. */
export interface SlackCall {
  readonly method: string;
  readonly channel: string | undefined;
  readonly status: number;
  readonly error: string | undefined;
  readonly at: number;
  readonly threadTs?: string;
}

export interface SlackFakeOptions {
  /** Bot tokens and their state (default `{'xoxb-test': 'ok'}`). */
  readonly tokens?: Readonly<Record<string, 'ok' | 'revoked' | 'inactive'>>;
  /** Channels to create (default one: `C07A1B2C3D4`, the bot a member). */
  readonly channels?: ReadonlyArray<{ id: string; name?: string; member?: boolean; archived?: boolean }>;
  /**
   * Rate limits. `chat.postMessage` is per channel (Slack: ~1/s with short bursts; default 1/s,
   * burst 3); `chat.update` and `conversations.*` are Tier 3, per workspace (default 50/min, burst
   * 10) unless `perChannel`; incoming webhooks per hook (default 1/s, burst 3).
   */
  readonly limits?: {
    readonly postMessage?: RateLimit;
    readonly update?: RateLimit & { perChannel?: boolean };
    readonly conversations?: RateLimit & { perChannel?: boolean };
    readonly webhook?: RateLimit;
  };
}

export interface SlackFake {
  /** Base URL of the fake. */
  readonly url: string;
  /** The Web API base for `new WebClient(token, { slackApiUrl })` (ends with `/api/`). */
  readonly apiUrl: string;
  readonly workspace: SlackWorkspace;
  addChannel(id: string, options?: { name?: string; member?: boolean; archived?: boolean }): FakeChannel;
  /** A new incoming webhook posting into `channel`: its full URL. */
  addWebhook(channel: string): string;
  /** Top-level messages of a channel, oldest first. */
  messages(channel: string): FakeSlackMessage[];
  /** The replies under a parent, oldest first. */
  replies(channel: string, ts: string): FakeSlackMessage[];
  readonly calls: SlackCall[];
  /** Every 429 sent, and whether the client waited its Retry-After before calling that bucket again. */
  readonly rateLimited: readonly RateLimitedCall[];
  inject(fault: SlackFault): SlackFaultHandle;
  close(): Promise<void>;
}

const json = 'application/json; charset=utf-8';

function answer(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = typeof body === 'string';
  res
    .writeHead(status, { 'content-type': text ? 'text/html' : json, ...headers })
    .end(text ? body : JSON.stringify(body));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A Slack fake for the Web API (`auth.test`, `chat.postMessage`, `chat.update`,
 * `conversations.history`, `conversations.replies`) and incoming webhooks, with Slack's rules and
 * answers (the bodies of ../shared/fixtures/slack): `not_authed` / `invalid_auth` /
 * `token_revoked` / `account_inactive`, `channel_not_found`, `not_in_channel`, `is_archived`,
 * `thread_not_found`, `no_text`, `msg_too_long`, `invalid_blocks` with json-pointer errors; rate
 * limits answered 429 with Retry-After, recording whether the client waited; fault injection.
 */
export async function startSlackFake(options: SlackFakeOptions = {}): Promise<SlackFake> {
  const tokens = options.tokens ?? { 'xoxb-test': 'ok' };
  const workspace = new SlackWorkspace();
  for (const c of options.channels ?? [{ id: 'C07A1B2C3D4', name: 'team-a' }]) workspace.addChannel(c.id, c);
  const limiter = new SlackRateLimiter();
  const limits = {
    postMessage: options.limits?.postMessage ?? { perSecond: 1, burst: 3 },
    update: options.limits?.update ?? { perSecond: 50 / 60, burst: 10 },
    conversations: options.limits?.conversations ?? { perSecond: 50 / 60, burst: 10 },
    webhook: options.limits?.webhook ?? { perSecond: 1, burst: 3 },
  };
  const webhooks = new Map<string, string>();
  const faults: Array<SlackFault & { left: number; hits: number }> = [];
  const calls: SlackCall[] = [];

  const takeFault = (method: string, channel: string | undefined) => {
    const fault = faults.find(
      (f) => f.left > 0 && (!f.method || f.method === method) && (!f.channel || f.channel === channel),
    );
    if (!fault) return undefined;
    fault.left--;
    fault.hits++;
    return fault;
  };

  const bucketFor = (method: string, channel: string) => {
    if (method === 'chat.postMessage') return { scope: channel, limit: limits.postMessage };
    if (method === 'chat.update')
      return { scope: limits.update.perChannel ? channel : '*', limit: limits.update };
    if (method.startsWith('conversations.')) {
      return { scope: limits.conversations.perChannel ? channel : '*', limit: limits.conversations };
    }
    return undefined;
  };

  const webApi = async (req: IncomingMessage, res: ServerResponse, method: string) => {
    const { params, token, invalid } = await readSlackRequest(req);
    const channel = typeof params.channel === 'string' ? params.channel : undefined;
    const record = (status: number, error?: string) =>
      calls.push({
        method,
        channel,
        status,
        error,
        at: Date.now(),
        ...(typeof params.thread_ts === 'string' ? { threadTs: params.thread_ts } : {}),
      });
    const fail = (error: string, extra: Record<string, unknown> = {}) => {
      record(200, error);
      answer(res, 200, { ok: false, error, ...extra });
    };
    if (invalid) return fail(invalid);
    if (!token) return fail('not_authed');
    const state = tokens[token];
    if (!state) return fail('invalid_auth');
    if (state === 'revoked') return fail('token_revoked');
    if (state === 'inactive') return fail('account_inactive');
    const bucket = bucketFor(method, channel ?? '');
    const retryAfter = bucket && limiter.take(method, bucket.scope, bucket.limit);
    if (retryAfter !== undefined) {
      record(429, 'ratelimited');
      return answer(res, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(retryAfter) });
    }
    const fault = takeFault(method, channel);
    if (fault?.error) return fail(fault.error);
    if (fault?.status) {
      record(fault.status);
      if (fault.retryAfter !== undefined) {
        return answer(
          res,
          fault.status,
          { ok: false, error: 'ratelimited' },
          { 'retry-after': String(fault.retryAfter) },
        );
      }
      return answer(
        res,
        fault.status,
        fault.status === 503 ? 'Service Unavailable' : 'Internal Server Error',
      );
    }
    let result: SlackResult;
    switch (method) {
      case 'auth.test':
        result = {
          ok: true,
          body: {
            url: 'https://signalbox-test.slack.com/',
            team: 'Signalbox Test',
            user: 'signalbox',
            team_id: 'T01TEAM0001',
            user_id: 'U07BOTUSER1',
            bot_id: 'B07BOTID123',
            is_enterprise_install: false,
          },
        };
        break;
      case 'chat.postMessage':
        result = workspace.post(params);
        break;
      case 'chat.update':
        result = workspace.update(params);
        break;
      case 'conversations.history':
        result = workspace.history(params);
        break;
      case 'conversations.replies':
        result = workspace.replies(params);
        break;
      default:
        result = { ok: false, error: 'unknown_method' };
    }
    if (!result.ok) return fail(result.error, result.extra);
    // The work is done; a delay now is a client that never hears of it if it dies meanwhile.
    if (fault?.delayMs) await sleep(fault.delayMs);
    record(200);
    answer(res, 200, { ok: true, ...result.body });
  };

  const webhook = async (req: IncomingMessage, res: ServerResponse, path: string) => {
    const channelId = webhooks.get(path);
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      calls.push({
        method: 'webhook',
        channel: channelId,
        status,
        error: status === 200 ? undefined : String(typeof body === 'string' ? body : 'ratelimited'),
        at: Date.now(),
      });
      answer(res, status, body, headers);
    };
    const { params, invalid } = await readSlackRequest(req);
    if (!channelId) return reply(404, 'no_service');
    const retryAfter = limiter.take('webhook', path, limits.webhook);
    if (retryAfter !== undefined) {
      return reply(
        429,
        { ok: false, count_hour_ago: 0, count_minute_ago: 0, count_second_ago: 0 },
        { 'retry-after': String(retryAfter) },
      );
    }
    const fault = takeFault('webhook', channelId);
    if (fault?.error) return reply(fault.status ?? 400, fault.error);
    if (fault?.status)
      return reply(fault.status, fault.status === 503 ? 'Service Unavailable' : 'rollup_error');
    let payload: Record<string, unknown> = params;
    if (typeof params.payload === 'string') {
      try {
        payload = JSON.parse(params.payload) as Record<string, unknown>;
      } catch {
        return reply(400, 'invalid_payload');
      }
    }
    if (invalid) return reply(400, 'invalid_payload');
    const channel = workspace.channels.get(channelId);
    if (!channel) return reply(404, 'channel_not_found');
    if (channel.archived) return reply(410, 'channel_is_archived');
    // A hook posts as its app, whatever the membership.
    const result = workspace.post({ ...payload, channel: channelId, thread_ts: undefined }, 'webhook');
    if (!result.ok) return reply(400, result.error);
    if (fault?.delayMs) await sleep(fault.delayMs);
    reply(200, 'ok');
  };

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://slack').pathname;
    const method = /^\/api\/([\w.]+)$/.exec(path)?.[1];
    const handled = method
      ? webApi(req, res, method)
      : path.startsWith('/services/')
        ? webhook(req, res, path)
        : Promise.resolve(answer(res, 404, 'not found'));
    handled.catch((err: Error) => {
      if (!res.headersSent) answer(res, 500, { ok: false, error: 'fatal_error', detail: err.message });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    url,
    apiUrl: `${url}/api/`,
    workspace,
    addChannel: (id, channelOptions = {}) => workspace.addChannel(id, channelOptions),
    addWebhook(channel) {
      const path = `/services/T01TEAM0001/B${randomBytes(5).toString('hex').toUpperCase()}/${randomBytes(12).toString('hex')}`;
      webhooks.set(path, channel);
      return `${url}${path}`;
    },
    messages: (channel) =>
      (workspace.channels.get(channel)?.messages ?? []).filter(
        (m) => m.thread_ts === undefined || m.thread_ts === m.ts,
      ),
    replies: (channel, ts) =>
      (workspace.channels.get(channel)?.messages ?? []).filter((m) => m.thread_ts === ts && m.ts !== ts),
    calls,
    rateLimited: limiter.log,
    inject(fault) {
      const entry = { ...fault, left: fault.times ?? 1, hits: 0 };
      faults.push(entry);
      return {
        get hits() {
          return entry.hits;
        },
        remove: () => {
          entry.left = 0;
        },
      };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
