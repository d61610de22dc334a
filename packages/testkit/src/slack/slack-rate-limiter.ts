/** A token bucket: `perSecond` refill, `burst` capacity. */
export interface RateLimit {
  readonly perSecond: number;
  readonly burst: number;
}

/**
 * What the fake remembers of each 429 it sent: the bucket (method and channel, or `*` for a
 * workspace-wide tier), the Retry-After it asked for, and — once the client called that bucket
 * again — whether it waited that long.
 */
export interface RateLimitedCall {
  readonly method: string;
  readonly scope: string;
  readonly retryAfterSec: number;
  readonly at: number;
  nextCallAt?: number;
  waited?: boolean;
}

/**
 * Per-bucket rate limits as Slack applies them: a bucket over its limit answers 429 with a whole
 * number of seconds in Retry-After, and keeps answering 429 to anyone who calls before that time is
 * up. Every 429 is logged with whether the client's next call to the same bucket came after it.
 */
export class SlackRateLimiter {
  readonly log: RateLimitedCall[] = [];
  readonly #buckets = new Map<
    string,
    { tokens: number; at: number; blockedUntil: number; open: RateLimitedCall | undefined }
  >();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Takes one call from the bucket: `undefined` when allowed, else the Retry-After in seconds. */
  take(method: string, scope: string, limit: RateLimit): number | undefined {
    const key = `${method}\u0000${scope}`;
    const now = this.#now();
    const bucket = this.#buckets.get(key) ?? {
      tokens: limit.burst,
      at: now,
      blockedUntil: 0,
      open: undefined,
    };
    this.#buckets.set(key, bucket);
    if (bucket.open) {
      bucket.open.nextCallAt = now;
      // Retry-After is whole seconds, rounded up: a client that waited it is never early. A few ms of
      // slack cover timer granularity.
      bucket.open.waited = now >= bucket.blockedUntil - 5;
      bucket.open = undefined;
    }
    bucket.tokens = Math.min(limit.burst, bucket.tokens + ((now - bucket.at) / 1000) * limit.perSecond);
    bucket.at = now;
    if (now < bucket.blockedUntil || bucket.tokens < 1) {
      const waitMs = Math.max(bucket.blockedUntil - now, ((1 - bucket.tokens) / limit.perSecond) * 1000);
      const retryAfterSec = Math.max(1, Math.ceil(waitMs / 1000));
      bucket.blockedUntil = Math.max(bucket.blockedUntil, now + retryAfterSec * 1000);
      const entry: RateLimitedCall = { method, scope, retryAfterSec, at: now };
      this.log.push(entry);
      bucket.open = entry;
      return retryAfterSec;
    }
    bucket.tokens -= 1;
    return undefined;
  }
}
