/** The primary rate limit's state for one caller, as GitHub reports it in `x-ratelimit-*`. */
export interface RateLimitWindow {
  readonly limit: number;
  readonly remaining: number;
  readonly used: number;
  /** Epoch seconds when the window resets. */
  readonly reset: number;
}

/**
 * GitHub's primary REST rate limit: a budget per token (anonymous callers share one) per window,
 * counted on every request, with the window's state in `x-ratelimit-*` headers on each response.
 */
export class RateLimiter {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #windows = new Map<string, { used: number; resetMs: number }>();

  /** `limit` requests per `windowSeconds` (GitHub: 5000 per hour for a token). */
  constructor(limit: number, windowSeconds: number) {
    this.#limit = limit;
    this.#windowMs = windowSeconds * 1000;
  }

  /** Counts a request of `caller`; `exceeded` when the window's budget was already spent. */
  take(caller: string, now: number = Date.now()): { window: RateLimitWindow; exceeded: boolean } {
    let w = this.#windows.get(caller);
    if (!w || now >= w.resetMs) {
      w = { used: 0, resetMs: now + this.#windowMs };
      this.#windows.set(caller, w);
    }
    const exceeded = w.used >= this.#limit;
    if (!exceeded) w.used++;
    return { window: this.#view(w), exceeded };
  }

  /** Spends the rest of `caller`'s budget, as another process sharing the token would. */
  exhaust(caller: string, now: number = Date.now()): void {
    this.take(caller, now);
    const w = this.#windows.get(caller);
    if (w) w.used = this.#limit;
  }

  #view(w: { used: number; resetMs: number }): RateLimitWindow {
    return {
      limit: this.#limit,
      remaining: Math.max(0, this.#limit - w.used),
      used: w.used,
      reset: Math.ceil(w.resetMs / 1000),
    };
  }
}

/** The `x-ratelimit-*` headers of a window. */
export function rateLimitHeaders(w: RateLimitWindow): Record<string, string> {
  return {
    'x-ratelimit-limit': String(w.limit),
    'x-ratelimit-remaining': String(w.remaining),
    'x-ratelimit-used': String(w.used),
    'x-ratelimit-reset': String(w.reset),
    'x-ratelimit-resource': 'core',
  };
}
