/** A GitHub API failure, decided once: retry later, or a message that says what to fix. */
export interface GitHubFailure {
  /** 5xx, 408, 429, rate limits, timeouts and connection errors: the same call may succeed later. */
  readonly transient: boolean;
  /** The HTTP status, when GitHub answered. */
  readonly status?: number;
  /** One line for a verdict, a log or a dead letter: never a response body GitHub sent as HTML. */
  readonly message: string;
  /** How long GitHub asked to wait: Retry-After, or until a primary limit's reset (+1 s). */
  readonly retryAfterMs?: number;
}

/** What the failed call was for, so its message can say what to fix. */
export interface GitHubCallContext {
  /** The call, for the message: `listing the files of org/app#12`. */
  readonly what: string;
  /** The access it needs, named when GitHub answers 403. */
  readonly needs?: string;
  /** Where the token comes from, named when GitHub answers 401 (`the secret the policy's auth names`). */
  readonly credential?: string;
  readonly now?: number;
}

interface RequestErrorLike {
  status?: unknown;
  name?: unknown;
  message?: unknown;
  response?: { headers?: Record<string, unknown>; data?: unknown };
}

/** GitHub's JSON `message` and its `errors[].message`, if the body was JSON and fit to quote. */
function githubMessage(data: unknown): string | undefined {
  if (!data || typeof data !== 'object') return undefined;
  const d = data as { message?: unknown; errors?: unknown };
  const details = Array.isArray(d.errors)
    ? d.errors.map((e) => (e && typeof e === 'object' ? (e as { message?: unknown }).message : e))
    : [];
  const text = [d.message, ...details]
    .filter((m): m is string => typeof m === 'string' && m !== '')
    .join(': ');
  return text && text.length <= 300 && !/[<>]/.test(text) ? text : undefined;
}

/**
 * The one place that decides whether a GitHub REST failure is transient or permanent, and how it
 * reads. A 403 is a rate limit (transient) when GitHub says so — `x-ratelimit-remaining: 0`,
 * `retry-after`, or a "rate limit" message — and otherwise a permission problem whose message
 * names the access the call needs.
 */
export function classifyGitHubError(err: unknown, context: string | GitHubCallContext): GitHubFailure {
  const {
    what,
    needs,
    credential,
    now = Date.now(),
  } = typeof context === 'string' ? { what: context } : context;
  const e = (err ?? {}) as RequestErrorLike;
  if (e.name === 'AbortError' || e.name === 'TimeoutError') {
    return { transient: true, message: `GitHub API did not answer in time while ${what}` };
  }
  const status = typeof e.status === 'number' ? e.status : undefined;
  if (status === undefined || !e.response) {
    // No response: a connection error (octokit reports it as status 500 without a response).
    const cause = typeof e.message === 'string' && e.message.length < 200 ? `: ${e.message}` : '';
    return { transient: true, message: `GitHub API unreachable while ${what}${cause}` };
  }
  const headers = e.response.headers ?? {};
  const quoted = githubMessage(e.response.data);
  const retryAfter = Number(headers['retry-after']);
  const reset = Number(headers['x-ratelimit-reset']);
  const exhausted = headers['x-ratelimit-remaining'] === '0';
  const retryAfterMs =
    retryAfter > 0
      ? retryAfter * 1000
      : exhausted && reset > 0
        ? Math.max(0, reset * 1000 - now) + 1000
        : undefined;
  const wait = retryAfterMs !== undefined ? { retryAfterMs } : {};
  const rateLimited =
    status === 429 ||
    (status === 403 &&
      (exhausted || headers['retry-after'] !== undefined || /rate limit/i.test(quoted ?? '')));
  if (rateLimited)
    return { transient: true, status, message: `GitHub API rate limit while ${what}`, ...wait };
  if (status >= 500 || status === 408) {
    return { transient: true, status, message: `GitHub API answered ${status} while ${what}`, ...wait };
  }
  const hint =
    status === 401
      ? `the token is missing, expired or revoked${credential ? `: replace ${credential}` : ''}`
      : status === 403
        ? `the token lacks access (it needs ${needs ?? 'the repo scope for a classic token, or read access to pull requests and contents for a fine-grained token or GitHub App'})`
        : status === 404
          ? 'it does not exist, or the token cannot see it (a private repository needs the token to have access)'
          : status === 410
            ? 'it is gone on GitHub'
            : undefined;
  return {
    transient: false,
    status,
    message: `GitHub API answered ${status}${quoted ? ` (${quoted})` : ''} while ${what}${hint ? `: ${hint}` : ''}`,
  };
}
