import { readFileSync } from 'node:fs';
import { type EventTrailEntry, eventTrailKey, type NotificationJob } from '@signalbox/contracts';
import type { Redis } from 'ioredis';
import { kindRank } from './kind-rank.ts';
import { readData } from './read-data.ts';

const lua = readFileSync(new URL('./lua/record-trail.lua', import.meta.url), 'utf8');

type Scripted = Redis & {
  signalboxRecordTrail(key: string, field: string, entry: string, ttl: number): Promise<number>;
};

const defined = <T extends object>(o: T) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

/**
 * The trail field and entry a notification sets: a run's state or a pull request; others set none.
 */
function stepOf(n: NotificationJob): { field: string; entry: EventTrailEntry } | undefined {
  const { data, kind, occurredAt } = n;
  if (kind.startsWith('run.')) {
    const name = readData.text(data, 'name');
    if (!name) return undefined;
    const namespace = readData.text(data, 'namespace');
    const about = {
      name,
      namespace,
      pipeline: readData.text(data, 'pipeline'),
      reason: readData.text(data, 'reason'),
    };
    return { field: `run:${namespace ?? ''}/${name}`, entry: defined({ kind, occurredAt, ...about }) };
  }
  if (kind === 'manifest.pr_opened' || kind === 'manifest.pr_updated') {
    const { url, number } = readData.pullRequest(data);
    if (!url) return undefined;
    const about = { url, number, repo: readData.text(data, 'repo') };
    return { field: `pr:${url}`, entry: defined({ kind, occurredAt, ...about }) };
  }
  return undefined;
}

/** The Slack thread a change was posted in: its channel, parent ts and (when known) permalink. */
export interface ThreadOfEvent {
  readonly channel: string;
  readonly ts: string;
  readonly url?: string;
}

/** What the notifier records of an event for the deliveries console (see `EventTrailEntry`). */
export interface EventTrail {
  /** Records the run or pull request a notification tells of; other kinds change nothing. */
  step(n: NotificationJob): Promise<void>;
  /** Records the Slack thread a notification of `eventId` went to. */
  thread(eventId: string, thread: ThreadOfEvent, occurredAt: string): Promise<void>;
}

/**
 * An event's trail in Redis: one hash per event id (`eventTrailKey`, its own hash tag), a field per
 * run, pull request and Slack thread holding its latest state, kept `ttlSeconds` (the ledger's, so
 * it lives as long as the delivery it follows). Every write is one script call that is idempotent
 * and never goes backwards (`kindRank`, then time), so retried or reordered jobs leave it right.
 */
export function createEventTrail(
  redis: Redis,
  options: { ledgerPrefix: string; ttlSeconds: number },
): EventTrail {
  redis.defineCommand('signalboxRecordTrail', { numberOfKeys: 1, lua });
  const scripted = redis as Scripted;
  const write = async (eventId: string, field: string, entry: EventTrailEntry, rank: number) => {
    const at = Date.parse(entry.occurredAt);
    const value = JSON.stringify({ ...entry, rank, at: Number.isNaN(at) ? 0 : at });
    await scripted.signalboxRecordTrail(
      eventTrailKey(options.ledgerPrefix, eventId),
      field,
      value,
      options.ttlSeconds,
    );
  };
  return {
    async step(n) {
      const step = stepOf(n);
      if (step && n.correlation.eventId)
        await write(n.correlation.eventId, step.field, step.entry, kindRank(n.kind));
    },
    // A change's parent message is posted once per channel: every write of it carries the same ts.
    thread: (eventId, thread, occurredAt) =>
      write(eventId, `slack:${thread.channel}`, { kind: 'slack.thread', occurredAt, ...thread }, 0),
  };
}
