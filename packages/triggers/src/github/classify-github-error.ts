/** A GitHub API failure, decided once: retry later, or a message that says what to fix. */
export interface GitHubFailure {
  /** 5xx, 429, rate limits, timeouts and connection errors: the same call may succeed later. */
  readonly transient: boolean;
  /** The HTTP status, when GitHub answered. */
  readonly status?: number;
  /** One line for a verdict, a log or a dead letter: never a response body GitHub sent as HTML. */
  readonly message: string;
}

interface RequestErrorLike {
  status?: unknown;
  name?: unknown;
  message?: unknown;
  response?: { headers?: Record<string, unknown>; data?: unknown };
}

/** GitHub's JSON `message`, if the body was JSON and short enough to quote. */
function jsonMessage(data: unknown): string | undefined {
  const message = (data as { message?: unknown } | null)?.message;
  return typeof message === 'string' && message.length <= 200 && !/[<>]/.test(message) ? message : undefined;
}

/**
 * The one place that decides whether a GitHub REST failure is transient or permanent, and how it
 * reads. `what` names the call (`listing files of org/app#12`). A 403 is a rate limit (transient)
 * when GitHub says so — `x-ratelimit-remaining: 0`, `retry-after`, or a "secondary rate limit"
 * message — and otherwise a permission problem whose message names the missing scope.
 */
export function classifyGitHubError(err: unknown, what: string): GitHubFailure {
  const e = (err ?? {}) as RequestErrorLike;
  if (e.name === 'AbortError' || e.name === 'TimeoutError') {
    return { transient: true, message: `GitHub API did not answer in time while ${what}` };
  }
  const status = typeof e.status === 'number' ? e.status : undefined;
  const headers = e.response?.headers ?? {};
  const quoted = jsonMessage(e.response?.data);
  if (status === undefined || !e.response) {
    // No response: a connection error (octokit reports it as status 500 without a response).
    const cause = typeof e.message === 'string' && e.message.length < 200 ? `: ${e.message}` : '';
    return { transient: true, message: `GitHub API unreachable while ${what}${cause}` };
  }
  const rateLimited =
    status === 429 ||
    (status === 403 &&
      (headers['x-ratelimit-remaining'] === '0' ||
        headers['retry-after'] !== undefined ||
        /rate limit/i.test(quoted ?? '')));
  if (rateLimited) return { transient: true, status, message: `GitHub API rate limit while ${what}` };
  if (status >= 500)
    return { transient: true, status, message: `GitHub API answered ${status} while ${what}` };
  const detail = quoted ? ` (${quoted})` : '';
  const hint =
    status === 401
      ? 'the token is missing, expired or revoked'
      : status === 403
        ? 'the token lacks access (a classic token needs the repo scope; a fine-grained token or GitHub App needs read access to pull requests and contents)'
        : status === 404
          ? 'it does not exist, or the token cannot see a private repository (needs the repo scope)'
          : undefined;
  return {
    transient: false,
    status,
    message: `GitHub API answered ${status}${detail} while ${what}${hint ? `: ${hint}` : ''}`,
  };
}
