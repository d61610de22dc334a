import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';

/** Octokit with the retry and throttling plugins: the one way Signalbox talks to GitHub's REST API. */
const GitHubOctokit = Octokit.plugin(retry, throttling);
export type GitHubClient = Octokit;

type OctokitOptions = NonNullable<ConstructorParameters<typeof Octokit>[0]>;

export interface GitHubClientOptions {
  /** REST base URL (GitHub Enterprise: `https://HOST/api/v3`; tests: a fake). Default api.github.com. */
  readonly baseUrl?: string | undefined;
  /** A token, or with `authStrategy` (GitHub App) that strategy's options. */
  readonly auth?: OctokitOptions['auth'];
  readonly authStrategy?: OctokitOptions['authStrategy'];
  /** Retries of a 5xx, 429 or connection error (default 3). */
  readonly retries?: number;
  /** Retry n waits n² × this (ms, default 1 000: 1 s, 4 s, 9 s), as the retry plugin does. */
  readonly retryBaseMs?: number;
  /**
   * The longest wait for a rate limit (primary or secondary) the client accepts before it gives
   * up and lets the caller's error handling decide (ms, default 60 000). A function is asked at
   * each limit: the listener passes what is left of its acknowledgement deadline.
   */
  readonly maxRateLimitWaitMs?: number | (() => number);
  /** Rate-limit retries per request (default 2). */
  readonly rateLimitRetries?: number;
  readonly userAgent?: string;
  /** The fetch every request goes through (default the global one). */
  readonly fetch?: typeof fetch;
  /**
   * Each request's own time limit (ms, default 30 000): a stalled connection fails and is retried
   * like a dropped one instead of holding a worker (octokit's fetch has no timeout of its own).
   */
  readonly requestTimeoutMs?: number;
  /** Aborts every request of this client (a per-call deadline). */
  readonly signal?: AbortSignal;
  /** Debug sink for rate-limit waits (never given a token). */
  readonly onRateLimit?: (info: {
    retryAfterSeconds: number;
    method: string;
    url: string;
    retried: boolean;
  }) => void;
}

/**
 * Builds a GitHub REST client configured on purpose rather than by the plugins' defaults: bounded
 * retries of transient failures (5xx, 429, dropped connections — never 4xx) and rate limits
 * honoured only while the wait fits the caller's budget. Whether an error that still comes out
 * is transient or permanent is `classifyGitHubError`'s decision.
 */
export function createGitHubClient(options: GitHubClientOptions = {}): GitHubClient {
  const maxWait = options.maxRateLimitWaitMs ?? 60_000;
  const budget = () => (typeof maxWait === 'function' ? maxWait() : maxWait);
  const limitRetries = options.rateLimitRetries ?? 2;
  const onLimit = (
    retryAfter: number,
    request: { method: string; url: string },
    _octokit: unknown,
    retryCount: number,
  ) => {
    const retried = retryCount < limitRetries && retryAfter * 1000 <= budget();
    options.onRateLimit?.({
      retryAfterSeconds: retryAfter,
      method: request.method,
      url: request.url,
      retried,
    });
    return retried;
  };
  const baseFetch = options.fetch ?? fetch;
  const timeoutMs = options.requestTimeoutMs ?? 30_000;
  const timedFetch: typeof fetch = (input, init) => {
    const limit = AbortSignal.timeout(timeoutMs);
    return baseFetch(input, {
      ...init,
      signal: init?.signal ? AbortSignal.any([init.signal, limit]) : limit,
    });
  };
  return new GitHubOctokit({
    ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
    ...(options.auth !== undefined ? { auth: options.auth } : {}),
    ...(options.authStrategy ? { authStrategy: options.authStrategy } : {}),
    userAgent: options.userAgent ?? 'signalbox',
    request: { fetch: timedFetch, ...(options.signal ? { signal: options.signal } : {}) },
    retry: { retries: options.retries ?? 3, retryAfterBaseValue: options.retryBaseMs ?? 1_000 },
    throttle: { onRateLimit: onLimit, onSecondaryRateLimit: onLimit },
    // Octokit logs rate limits and deprecations on console by default; our callers log.
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
  });
}
