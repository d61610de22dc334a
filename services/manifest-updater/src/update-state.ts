import type { Redis } from 'ioredis';
import { withRepoLock } from './repo-lock.ts';

/** A scan result remembered per image digest (Harbor sends no ordering: the scan may come first). */
export interface ScanRecord {
  readonly state: 'pass' | 'block';
  readonly summary: string;
  readonly event: string;
  readonly at: number;
}

/** What the policy last put on its branch. */
export interface AppliedRecord {
  readonly tag: string;
  readonly digest?: string;
  /** When the image was first seen (ms). */
  readonly at: number;
  readonly pr?: { number: number; url: string };
  readonly branch?: string;
}

/** A push waiting for its scan. */
export interface HoldRecord {
  readonly tag: string;
  /** The push job, delayed until the deadline; the scan wakes it early. */
  readonly jobId: string;
  readonly heldAt: number;
  readonly deadline: number;
}

/** A candidate offered for a policy: an image that passed its rules and gate. */
export interface Candidate {
  readonly tag: string;
  readonly digest?: string;
  readonly at: number;
}

const week = 7 * 24 * 3600;

/**
 * The manifest-updater's memory in Redis, under `<prefix>:manifest-updater:`. Keys:
 * `scan:<image>@<digest>` (ScanRecord), `seen:<policy>:<image>:<tag>@<digest>` (first-seen ms),
 * `hold:<policy>:<image>@<digest>` (HoldRecord), `newest:<policy>` (Candidate),
 * `applied:<policy>` (AppliedRecord), `lock:<repo>`. Records expire (a week, the applied record
 * never), so an abandoned hold does not linger.
 */
export class UpdateState {
  private readonly redis: Redis;
  private readonly base: string;

  constructor(redis: Redis, prefix: string) {
    this.redis = redis;
    this.base = `${prefix}:manifest-updater`;
  }

  lockKey(repo: string): string {
    return `${this.base}:lock:${repo}`;
  }

  async recordScan(image: string, digest: string, record: ScanRecord): Promise<void> {
    await this.redis.set(`${this.base}:scan:${image}@${digest}`, JSON.stringify(record), 'EX', week);
  }

  async scan(image: string, digest: string): Promise<ScanRecord | undefined> {
    return this.read(`${this.base}:scan:${image}@${digest}`);
  }

  /** When this image was first seen for the policy (`now` if never): minAge, ordering and commit dates use it. */
  async firstSeen(
    policy: string,
    image: string,
    tag: string,
    digest: string | undefined,
    now: number,
  ): Promise<number> {
    const key = `${this.base}:seen:${policy}:${image}:${tag}@${digest ?? ''}`;
    await this.redis.set(key, String(now), 'EX', week, 'NX');
    return Number(await this.redis.get(key)) || now;
  }

  /** Creates the hold if there is none and returns the one in force. */
  async hold(policy: string, image: string, digest: string, record: HoldRecord): Promise<HoldRecord> {
    const key = `${this.base}:hold:${policy}:${image}@${digest}`;
    const ttl = Math.max(60, Math.ceil((record.deadline - Date.now()) / 1000) + week);
    await this.redis.set(key, JSON.stringify(record), 'EX', ttl, 'NX');
    return (await this.read<HoldRecord>(key)) ?? record;
  }

  /** Removes the hold and returns it (undefined when there was none). */
  async releaseHold(policy: string, image: string, digest: string): Promise<HoldRecord | undefined> {
    const key = `${this.base}:hold:${policy}:${image}@${digest}`;
    const hold = await this.read<HoldRecord>(key);
    if (hold) await this.redis.del(key);
    return hold;
  }

  /**
   * Makes `candidate` the policy's newest if `isNewer(candidate, current)`, under a short lock of
   * its own (a shared connection cannot WATCH safely). Returns the newest after the offer.
   */
  async offer(
    policy: string,
    candidate: Candidate,
    isNewer: (a: Candidate, b: Candidate) => boolean,
  ): Promise<Candidate> {
    const key = `${this.base}:newest:${policy}`;
    return withRepoLock(this.redis, `${key}:lock`, { ttlMs: 5_000, waitMs: 30_000 }, async () => {
      const current = await this.read<Candidate>(key);
      if (current && !isNewer(candidate, current)) return current;
      await this.redis.set(key, JSON.stringify(candidate), 'EX', week);
      return candidate;
    });
  }

  async newest(policy: string): Promise<Candidate | undefined> {
    return this.read(`${this.base}:newest:${policy}`);
  }

  async applied(policy: string): Promise<AppliedRecord | undefined> {
    return this.read(`${this.base}:applied:${policy}`);
  }

  async setApplied(policy: string, record: AppliedRecord): Promise<void> {
    await this.redis.set(`${this.base}:applied:${policy}`, JSON.stringify(record));
  }

  private async read<T>(key: string): Promise<T | undefined> {
    const text = await this.redis.get(key);
    return text === null ? undefined : (JSON.parse(text) as T);
  }
}
