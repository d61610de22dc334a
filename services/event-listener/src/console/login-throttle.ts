import type { Redis } from 'ioredis';

/** Limits on failed console logins, each over a fixed window that starts with its first failure. */
export interface LoginThrottleOptions {
  /** The console's key prefix (the ledger's, as the sessions use). */
  readonly prefix: string;
  /** Failed logins one client address may make per window before it is turned away. */
  readonly perAddress: number;
  /** Failed logins from all addresses together per window, so many addresses cannot guess together. */
  readonly overall: number;
  /** The window, in seconds. */
  readonly windowSeconds: number;
}

/** Why a login was turned away before its token was compared. */
export interface LoginRefusal {
  readonly scope: 'address' | 'overall';
  /** Seconds until the window that refused it ends (at least 1). */
  readonly retryAfterSeconds: number;
  /** True for the first refusal of its window only, so a refusal is logged once per window. */
  readonly first: boolean;
}

/**
 * Counts failed console logins in Redis, per client address and overall, and turns logins away
 * while either count is over its limit. Every command touches one key (Redis Cluster); a count's
 * window is set when the count is created and never extended, so a refused client can come back
 * when it ends.
 */
export function createLoginThrottle(redis: Redis, options: LoginThrottleOptions) {
  const addressKey = (address: string) => `${options.prefix}:console-login:address:${address}`;
  const overallKey = `${options.prefix}:console-login:overall`;
  // SET NX EX then INCR in one single-key transaction: the window is set once, atomically with the
  // count's creation (no EXPIRE NX, which needs Redis 7), and a crash cannot leave a count without one.
  const increment = async (key: string) => {
    const replies = await redis
      .multi()
      .set(key, 0, 'EX', options.windowSeconds, 'NX')
      .incr(key)
      .pttl(key)
      .exec();
    const [, count, pttl] = (replies ?? []).map(([err, value]) => {
      if (err) throw err;
      return Number(value);
    });
    return { count: count ?? 0, retryAfterSeconds: Math.max(1, Math.ceil((pttl ?? 0) / 1000)) };
  };
  const refuse = async (scope: LoginRefusal['scope'], key: string, limit: number): Promise<LoginRefusal> => {
    // A refused attempt counts too (on the key that refused it only), so the first refusal of a
    // window is the one that takes the count past its limit.
    const { count, retryAfterSeconds } = await increment(key);
    return { scope, retryAfterSeconds, first: count === limit + 1 };
  };
  return {
    /** A refusal if `address` or everyone together is over the limit; otherwise undefined. */
    async check(address: string): Promise<LoginRefusal | undefined> {
      const byAddress = Number((await redis.get(addressKey(address))) ?? 0);
      if (byAddress >= options.perAddress) return refuse('address', addressKey(address), options.perAddress);
      const overall = Number((await redis.get(overallKey)) ?? 0);
      if (overall >= options.overall) return refuse('overall', overallKey, options.overall);
      return undefined;
    },
    /** Counts a failed login from `address`. */
    async failed(address: string): Promise<void> {
      await increment(addressKey(address));
      await increment(overallKey);
    },
    /** Forgets `address`'s failures after it logged in; other addresses' and the overall count stay. */
    async succeeded(address: string): Promise<void> {
      await redis.del(addressKey(address));
    },
  };
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;
