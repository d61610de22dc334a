import { docsUrl } from './respond.ts';

/**
 * What a faulted request gets:
 * - `server-error`: 502 (or `status`) with an HTML page, as GitHub's edge answers — retried by
 *   plugin-retry;
 * - `primary-rate-limit`: 403 (or 429) with `x-ratelimit-remaining: 0` and a reset `resetInSeconds`
 *   ahead — the throttling plugin waits until reset + 1 s;
 * - `secondary-rate-limit`: 403 (or 429) with GitHub's "secondary rate limit" message and
 *   `Retry-After: retryAfter` (omitted when `retryAfter` is null, as GitHub sometimes does);
 * - `too-many-requests`: a bare 429 with `Retry-After`, no rate-limit wording.
 */
export type GitHubFaultKind =
  | 'server-error'
  | 'primary-rate-limit'
  | 'secondary-rate-limit'
  | 'too-many-requests';

/** A fault for the next `times` requests matching `method` and `path`. */
export interface GitHubFault {
  readonly kind: GitHubFaultKind;
  /** HTTP method (any when absent). */
  readonly method?: string;
  /** A path (exact, query ignored) or a pattern tried on the path alone and with its query (any when absent). */
  readonly path?: string | RegExp;
  /** How many matching requests it answers (default 1). */
  readonly times?: number;
  readonly status?: number;
  /** Seconds for `Retry-After` (default 1; null: no header). */
  readonly retryAfter?: number | null;
  /** For a primary limit: seconds until `x-ratelimit-reset` (default 1). */
  readonly resetInSeconds?: number;
}

/** One request a fault answered, and how the client behaved after it. */
export interface FaultedRequest {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  /** When it was answered (epoch ms). */
  readonly at: number;
  /** The earliest a well-behaved client asks again (epoch ms): at + Retry-After, or the reset. */
  readonly notBefore: number | undefined;
  /** When the next request matching the fault arrived (undefined while none has). */
  nextAt: number | undefined;
  /** Whether that request came no earlier than `notBefore` (undefined while none has). */
  honoured: boolean | undefined;
}

/** Returned by `faults.inject`. */
export interface GitHubFaultHandle {
  readonly hits: number;
  readonly faulted: readonly FaultedRequest[];
  remove(): void;
}

/** The response a fault gives. */
export interface FaultResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

const secondaryMessage =
  'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID 0000:0000:000000:000000:00000000.';

const edgeHtml = (status: number) =>
  `<!DOCTYPE html>\n<html>\n<head><title>Server Error · GitHub</title></head>\n<body>\n<h1>${status}</h1>\n<p>We couldn't respond to your request in time. Sorry about that. Please try resubmitting your request and contact us if the problem persists.</p>\n</body>\n</html>\n`;

function respond(fault: GitHubFault, now: number): FaultResponse & { notBefore: number | undefined } {
  const json = { 'content-type': 'application/json; charset=utf-8' };
  const retryAfter = fault.retryAfter === undefined ? 1 : fault.retryAfter;
  const retryHeader: Record<string, string> =
    retryAfter === null ? {} : { 'retry-after': String(retryAfter) };
  const afterRetry = retryAfter === null ? undefined : now + retryAfter * 1000;
  switch (fault.kind) {
    case 'server-error': {
      const status = fault.status ?? 502;
      return {
        status,
        headers: { 'content-type': 'text/html' },
        body: edgeHtml(status),
        notBefore: undefined,
      };
    }
    case 'primary-rate-limit': {
      const reset = Math.ceil((now + (fault.resetInSeconds ?? 1) * 1000) / 1000);
      return {
        status: fault.status ?? 403,
        headers: {
          ...json,
          'x-ratelimit-limit': '5000',
          'x-ratelimit-remaining': '0',
          'x-ratelimit-used': '5000',
          'x-ratelimit-reset': String(reset),
          'x-ratelimit-resource': 'core',
        },
        body: JSON.stringify({
          message:
            'API rate limit exceeded for user ID 1. If you reach out to GitHub Support for help, please include the request ID 0000:0000.',
          documentation_url: `${docsUrl}/overview/rate-limits-for-the-rest-api#about-the-primary-rate-limit`,
          status: String(fault.status ?? 403),
        }),
        notBefore: reset * 1000,
      };
    }
    case 'secondary-rate-limit':
      return {
        status: fault.status ?? 403,
        headers: { ...json, ...retryHeader },
        body: JSON.stringify({
          message: secondaryMessage,
          documentation_url: `${docsUrl}/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits`,
          status: String(fault.status ?? 403),
        }),
        notBefore: afterRetry,
      };
    case 'too-many-requests':
      return {
        status: fault.status ?? 429,
        headers: { ...json, ...retryHeader },
        body: JSON.stringify({ message: 'Too Many Requests', documentation_url: docsUrl, status: '429' }),
        notBefore: afterRetry,
      };
  }
}

/** Fault rules, in order; the first that matches and has hits left answers the request. */
export class GitHubFaults {
  #rules: { fault: GitHubFault; faulted: FaultedRequest[] }[] = [];

  inject(fault: GitHubFault): GitHubFaultHandle {
    const entry = { fault, faulted: [] as FaultedRequest[] };
    this.#rules.push(entry);
    return {
      get hits() {
        return entry.faulted.length;
      },
      faulted: entry.faulted,
      remove: () => {
        this.#rules = this.#rules.filter((r) => r !== entry);
      },
    };
  }

  clear(): void {
    this.#rules = [];
  }

  /**
   * Notes the request as the follow-up of earlier faulted ones it matches, then answers it if a
   * rule with hits left matches.
   */
  take(method: string, path: string, query: string, now: number = Date.now()): FaultResponse | undefined {
    const matching = this.#rules.filter(({ fault }) => matches(fault, method, path, query));
    for (const { faulted } of matching)
      for (const f of faulted)
        if (f.nextAt === undefined) {
          f.nextAt = now;
          f.honoured = f.notBefore === undefined || now >= f.notBefore;
        }
    const entry = matching.find((r) => r.faulted.length < (r.fault.times ?? 1));
    if (!entry) return undefined;
    const { notBefore, ...response } = respond(entry.fault, now);
    entry.faulted.push({
      method,
      path: `${path}${query}`,
      status: response.status,
      at: now,
      notBefore,
      nextAt: undefined,
      honoured: undefined,
    });
    return response;
  }
}

function matches(fault: GitHubFault, method: string, path: string, query: string): boolean {
  if (fault.method && fault.method.toUpperCase() !== method) return false;
  if (fault.path === undefined) return true;
  if (typeof fault.path === 'string') return fault.path === path;
  return fault.path.test(path) || fault.path.test(`${path}${query}`);
}
