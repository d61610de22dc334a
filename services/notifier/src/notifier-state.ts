import { readFileSync } from 'node:fs';
import type { NotificationJob } from '@signalbox/contracts';
import type { Redis } from 'ioredis';

const lua = (name: string) => readFileSync(new URL(`./lua/${name}.lua`, import.meta.url), 'utf8');

/** How long a change can be joined by later notifications, and how long its thread is kept. */
export const joinWindowSeconds = 7 * 24 * 3600;
const threadTtlSeconds = 30 * 24 * 3600;

type Scripts = Redis & {
  resolveChange(...args: Array<string | number>): Promise<string | null>;
  reserveSlot(...args: Array<string | number>): Promise<number>;
  releaseSlot(...args: Array<string | number>): Promise<number>;
  addEvent(...args: Array<string | number>): Promise<number>;
  markDone(thread: string, version: number): Promise<number>;
  unlock(lock: string, owner: string): Promise<number>;
};

/** A sha or a tag that may be one: 7–40 hex characters. */
const shaLike = /^[0-9a-f]{7,40}$/;

/**
 * The notifier's state in Redis — never in memory, so restarts and replicas keep every thread:
 * which change a notification belongs to, each channel's thread (parent ts, reply ts per job,
 * events, versions, post intents), locks, and per-channel pacing. Keys live under
 * `<prefix>:notifier:`; each thread's keys share a hash tag.
 */
export class NotifierState {
  readonly #redis: Scripts;
  readonly #base: string;

  constructor(redis: Redis, prefix: string) {
    this.#base = `${prefix}:notifier`;
    redis.defineCommand('resolveChange', { numberOfKeys: 6, lua: lua('resolve-change') });
    redis.defineCommand('reserveSlot', { numberOfKeys: 4, lua: lua('reserve-slot') });
    redis.defineCommand('releaseSlot', { numberOfKeys: 2, lua: lua('release-slot') });
    redis.defineCommand('addEvent', { numberOfKeys: 2, lua: lua('add-event') });
    redis.defineCommand('markDone', { numberOfKeys: 1, lua: lua('mark-done') });
    redis.defineCommand('unlock', { numberOfKeys: 1, lua: lua('unlock') });
    this.#redis = redis as Scripts;
  }

  /**
   * The change a notification belongs to: `repo@sha` when it knows a commit, else `image@digest`;
   * an image whose tag is a (≥ 7-char) prefix of a commit seen within the join window joins that
   * commit's change, whichever arrived first; so do later notifications of that image (scan, PR).
   * `null` when the notification names an image but nothing that ties it to a commit and its image
   * is not known yet (a PR notification before its image.pushed): wait, or pass `force`.
   */
  resolveChange(n: NotificationJob, jobId: string, force: boolean, now = Date.now()): Promise<string | null> {
    const c = n.correlation;
    const sha = c.sha?.toLowerCase() ?? '';
    const repoSha = c.repo && sha ? `${c.repo}@${sha}` : '';
    const imageDigest = c.image && c.digest ? `${c.image}@${c.digest}` : '';
    const tag = typeof n.data.tag === 'string' ? n.data.tag.toLowerCase() : '';
    const k = `${this.#base}:{changes}`;
    return this.#redis.resolveChange(
      `${k}:job:${jobId}`,
      `${k}:shas`,
      `${k}:tags`,
      `${k}:seen`,
      `${k}:alias:${repoSha}`,
      `${k}:alias:${imageDigest}`,
      repoSha,
      imageDigest,
      shaLike.test(sha) ? sha : '',
      c.image && shaLike.test(tag) ? tag : '',
      now,
      joinWindowSeconds,
      `job:${jobId}`,
      force ? '1' : '0',
    );
  }

  #thread(channel: string, change: string) {
    const tag = `${this.#base}:{${channel}|${change}}`;
    return { thread: `${tag}:thread`, events: `${tag}:events`, lock: `${tag}:lock` };
  }

  /** Adds the notification to the thread once; the thread version that includes it. */
  addEvent(channel: string, change: string, jobId: string, n: NotificationJob): Promise<number> {
    const k = this.#thread(channel, change);
    return this.#redis.addEvent(k.events, k.thread, jobId, JSON.stringify(n), threadTtlSeconds);
  }

  async events(channel: string, change: string): Promise<NotificationJob[]> {
    const all = await this.#redis.hvals(this.#thread(channel, change).events);
    return all.map((s) => JSON.parse(s) as NotificationJob);
  }

  async field(channel: string, change: string, field: string): Promise<string | undefined> {
    return (await this.#redis.hget(this.#thread(channel, change).thread, field)) ?? undefined;
  }

  async setField(channel: string, change: string, field: string, value: string | number): Promise<void> {
    await this.#redis.hset(this.#thread(channel, change).thread, field, value);
  }

  /** Raises `done` (the version the parent shows) — never lowers it. */
  async markDone(channel: string, change: string, version: number): Promise<void> {
    await this.#redis.markDone(this.#thread(channel, change).thread, version);
  }

  /** The thread's lock (parent post and updates), held at most `ms`; true when taken. */
  async lock(channel: string, change: string, owner: string, ms: number): Promise<boolean> {
    return (await this.#redis.set(this.#thread(channel, change).lock, owner, 'PX', ms, 'NX')) === 'OK';
  }

  async unlock(channel: string, change: string, owner: string): Promise<void> {
    await this.#redis.unlock(this.#thread(channel, change).lock, owner);
  }

  /** Whether this job already went out through this route (a retry skips it). */
  async routeDone(jobId: string, route: string): Promise<boolean> {
    return (await this.#redis.exists(`${this.#base}:{job|${jobId}}:route:${route}`)) === 1;
  }

  async markRouteDone(jobId: string, route: string): Promise<void> {
    await this.#redis.set(`${this.#base}:{job|${jobId}}:route:${route}`, Date.now(), 'EX', joinWindowSeconds);
  }

  /**
   * Asks for `jobId`'s turn to call `channel` in a pacing class: 0 to call now (the class's
   * in-flight mark is then this job's until `release`, or `leaseMs` if it dies first), else the
   * ms to wait.
   */
  reserve(
    channel: string,
    cls: string,
    jobId: string,
    intervalMs: number,
    leaseMs: number,
    now = Date.now(),
  ): Promise<number> {
    const k = `${this.#base}:{pace|${channel}}`;
    return this.#redis.reserveSlot(
      `${k}:next:${cls}`,
      `${k}:blocked`,
      `${k}:res:${cls}:${jobId}`,
      `${k}:inflight:${cls}`,
      now,
      intervalMs,
      jobId,
      leaseMs,
    );
  }

  /** The call `reserve` allowed has answered; after a 429, nothing is sent to `channel` before `blockedUntil`. */
  async release(
    channel: string,
    cls: string,
    jobId: string,
    blockedUntil = 0,
    now = Date.now(),
  ): Promise<void> {
    const k = `${this.#base}:{pace|${channel}}`;
    await this.#redis.releaseSlot(`${k}:inflight:${cls}`, `${k}:blocked`, jobId, blockedUntil, now);
  }
}
