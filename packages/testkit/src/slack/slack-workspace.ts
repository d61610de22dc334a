import { checkBlocks } from './check-blocks.ts';

/** A message as the fake stores it (Slack's message object plus what tests want to see). */
export interface FakeSlackMessage {
  type: 'message';
  ts: string;
  channel: string;
  text: string;
  user: string;
  bot_id: string;
  app_id: string;
  team: string;
  blocks?: unknown[];
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
  thread_ts?: string;
  parent_user_id?: string;
  reply_count?: number;
  latest_reply?: string;
  edited?: { user: string; ts: string };
  /** How it arrived: the Web API or an incoming webhook (not part of Slack's object). */
  via: 'api' | 'webhook';
  /** Every `chat.update` applied, oldest first: the text each one set (not part of Slack's object). */
  updates: string[];
}

export interface FakeChannel {
  readonly id: string;
  name: string;
  /** The bot is a member (else `not_in_channel`). */
  member: boolean;
  archived: boolean;
  readonly messages: FakeSlackMessage[];
}

/** A Web API answer: Slack's body, or its error string (and extra fields such as `errors`). */
export type SlackResult =
  | { ok: true; body: Record<string, unknown> }
  | { ok: false; error: string; extra?: Record<string, unknown> };

const bot = { user: 'U07BOTUSER1', bot_id: 'B07BOTID123', app_id: 'A07APPID456', team: 'T01TEAM0001' };

/** Past this, Slack refuses a message's `text` with `msg_too_long`. */
const maxTextChars = 40_000;
/** Slack fails large block payloads as a whole (~13 k characters, slackapi/bolt-js#2509). */
const maxBlocksJsonChars = 13_000;

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
const flag = (v: unknown) => v === true || v === 'true' || v === '1' || v === 1;

function page<T>(items: T[], params: Record<string, unknown>, defaultLimit: number) {
  const limit = Math.min(999, Math.max(1, Number(params.limit ?? defaultLimit) || defaultLimit));
  const cursor = str(params.cursor);
  const start = cursor
    ? Number(
        Buffer.from(cursor, 'base64')
          .toString('utf8')
          .replace(/^offset:/, ''),
      ) || 0
    : 0;
  const slice = items.slice(start, start + limit);
  const more = start + limit < items.length;
  return {
    slice,
    has_more: more,
    response_metadata: { next_cursor: more ? Buffer.from(`offset:${start + limit}`).toString('base64') : '' },
  };
}

/**
 * The state of one Slack workspace as the Web API sees it: channels, their messages and threads,
 * with Slack's rules for each call (channel exists and the bot is in it, `thread_ts` names a
 * top-level message, text or blocks present and within limits, `ts` strings unique and increasing).
 * Metadata is kept and shown only to callers that ask for `include_all_metadata`.
 */
export class SlackWorkspace {
  readonly channels = new Map<string, FakeChannel>();
  #lastTs = 0;
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  addChannel(id: string, options: Partial<Omit<FakeChannel, 'id' | 'messages'>> = {}): FakeChannel {
    const channel: FakeChannel = {
      id,
      name: options.name ?? id.toLowerCase(),
      member: options.member ?? true,
      archived: options.archived ?? false,
      messages: [],
    };
    this.channels.set(id, channel);
    return channel;
  }

  /** A fresh ts: seconds and a 6-digit sequence, as Slack writes them, always increasing. */
  #nextTs(): string {
    const micros = Math.max(this.#now() * 1000, this.#lastTs + 1);
    this.#lastTs = micros;
    return `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, '0')}`;
  }

  /** Channel checks shared by every call that reads or writes a channel. */
  channelFor(id: unknown, write: boolean): FakeChannel | string {
    const channel = typeof id === 'string' ? this.channels.get(id) : undefined;
    if (!channel) return 'channel_not_found';
    if (write && channel.archived) return 'is_archived';
    if (!channel.member) return 'not_in_channel';
    return channel;
  }

  #content(params: Record<string, unknown>, requireText: boolean): SlackResult | undefined {
    const text = str(params.text);
    if (requireText && !text && params.blocks === undefined) return { ok: false, error: 'no_text' };
    if (text && text.length > maxTextChars) return { ok: false, error: 'msg_too_long' };
    if (params.blocks !== undefined) {
      const errors = checkBlocks(params.blocks);
      if (errors.length > 0) {
        return {
          ok: false,
          error: 'invalid_blocks',
          extra: { errors, response_metadata: { messages: errors.map((e) => `[ERROR] ${e}`) } },
        };
      }
      if (JSON.stringify(params.blocks).length > maxBlocksJsonChars)
        return { ok: false, error: 'msg_blocks_too_long' };
    }
    const metadata = params.metadata as { event_type?: unknown; event_payload?: unknown } | undefined;
    if (
      metadata !== undefined &&
      (typeof metadata?.event_type !== 'string' || typeof metadata.event_payload !== 'object')
    ) {
      return { ok: false, error: 'invalid_metadata_format' };
    }
    return undefined;
  }

  post(params: Record<string, unknown>, via: 'api' | 'webhook' = 'api'): SlackResult {
    const channel = this.channelFor(params.channel, true);
    if (typeof channel === 'string') return { ok: false, error: channel };
    const invalid = this.#content(params, true);
    if (invalid) return invalid;
    const threadTs = str(params.thread_ts);
    let parent: FakeSlackMessage | undefined;
    if (threadTs !== undefined) {
      // Replies hang off the parent's ts, never a reply's: an unknown or reply ts is refused.
      parent = channel.messages.find(
        (m) => m.ts === threadTs && (m.thread_ts === undefined || m.thread_ts === m.ts),
      );
      if (!parent) return { ok: false, error: 'thread_not_found' };
    }
    const ts = this.#nextTs();
    const message: FakeSlackMessage = {
      type: 'message',
      ts,
      channel: channel.id,
      text: str(params.text) ?? '',
      ...bot,
      ...(Array.isArray(params.blocks) ? { blocks: params.blocks } : {}),
      ...(params.metadata ? { metadata: params.metadata as FakeSlackMessage['metadata'] & object } : {}),
      via,
      updates: [],
    };
    if (parent) {
      message.thread_ts = parent.ts;
      message.parent_user_id = parent.user;
      parent.thread_ts = parent.ts;
      parent.reply_count = (parent.reply_count ?? 0) + 1;
      parent.latest_reply = ts;
    }
    channel.messages.push(message);
    return { ok: true, body: { channel: channel.id, ts, message: this.view(message, true) } };
  }

  update(params: Record<string, unknown>): SlackResult {
    const channel = this.channelFor(params.channel, true);
    if (typeof channel === 'string') return { ok: false, error: channel };
    const message = channel.messages.find((m) => m.ts === str(params.ts));
    if (!message) return { ok: false, error: 'message_not_found' };
    if (message.via !== 'api') return { ok: false, error: 'cant_update_message' };
    const invalid = this.#content(params, false);
    if (invalid) return invalid;
    if (typeof params.text === 'string') message.text = params.text;
    if (Array.isArray(params.blocks)) message.blocks = params.blocks;
    if (params.metadata) message.metadata = params.metadata as FakeSlackMessage['metadata'] & object;
    message.edited = { user: bot.bot_id, ts: this.#nextTs() };
    message.updates.push(message.text);
    return {
      ok: true,
      body: { channel: channel.id, ts: message.ts, text: message.text, message: this.view(message, true) },
    };
  }

  history(params: Record<string, unknown>): SlackResult {
    const channel = this.channelFor(params.channel, false);
    if (typeof channel === 'string') return { ok: false, error: channel };
    const inclusive = flag(params.inclusive);
    const oldest = Number(params.oldest ?? 0);
    const latest = params.latest === undefined ? Number.POSITIVE_INFINITY : Number(params.latest);
    const inRange = (ts: number) => (inclusive ? ts >= oldest && ts <= latest : ts > oldest && ts < latest);
    const topLevel = channel.messages
      .filter((m) => (m.thread_ts === undefined || m.thread_ts === m.ts) && inRange(Number(m.ts)))
      .reverse();
    const { slice, ...rest } = page(topLevel, params, 100);
    const withMeta = flag(params.include_all_metadata);
    return { ok: true, body: { messages: slice.map((m) => this.view(m, withMeta)), pin_count: 0, ...rest } };
  }

  replies(params: Record<string, unknown>): SlackResult {
    const channel = this.channelFor(params.channel, false);
    if (typeof channel === 'string') return { ok: false, error: channel };
    const ts = str(params.ts);
    const target = channel.messages.find((m) => m.ts === ts);
    if (!target) return { ok: false, error: 'thread_not_found' };
    const root = target.thread_ts ?? target.ts;
    const thread = channel.messages.filter((m) => m.ts === root || m.thread_ts === root);
    const { slice, ...rest } = page(thread, params, 1000);
    const withMeta = flag(params.include_all_metadata);
    return { ok: true, body: { messages: slice.map((m) => this.view(m, withMeta)), ...rest } };
  }

  /** The message as Slack returns it: no test-only fields, metadata only when asked for. */
  view(m: FakeSlackMessage, withMetadata: boolean): Record<string, unknown> {
    const { via: _via, updates: _updates, channel: _channel, metadata, ...rest } = m;
    return { ...rest, ...(withMetadata && metadata ? { metadata } : {}) };
  }
}
