/** What to do about a failed GitHub call, decided in this one place. */
export interface GitHubFailure {
  readonly permanent: boolean;
  readonly status?: number;
  /** GitHub's message plus, for a permanent failure, what to fix. */
  readonly message: string;
  /** From Retry-After, or the primary limit's reset. */
  readonly retryAfterMs?: number;
}

interface OctokitLikeError {
  status?: unknown;
  message?: unknown;
  response?: { headers?: Record<string, string | undefined>; data?: unknown };
}

const hints: Readonly<Record<number, string>> = {
  401: 'the token was refused: replace the secret that the policy’s auth names (expired or revoked PAT, wrong App key)',
  403: 'the token may not do this: it needs Contents read/write and Pull requests read/write on the repository (a GitHub App needs those permissions and access to the repository)',
  404: 'the repository (or branch) is not there or not visible to the token: check target.repo and the token’s repository access',
  410: 'the resource is gone on GitHub',
  422: 'GitHub rejected the request',
};

function githubMessage(data: unknown): string | undefined {
  if (!data || typeof data !== 'object') return undefined;
  const d = data as { message?: unknown; errors?: unknown };
  const details = Array.isArray(d.errors)
    ? d.errors.map((e) =>
        typeof e === 'object' && e
          ? String((e as { message?: unknown }).message ?? (e as { code?: unknown }).code ?? '')
          : String(e),
      )
    : [];
  return (
    [typeof d.message === 'string' ? d.message : undefined, ...details].filter(Boolean).join(': ') ||
    undefined
  );
}

/**
 * GitHub failures → permanent (dead-letter with a hint) or transient (retry with backoff).
 * Transient: 5xx, 408, 429, a 403 that is a rate limit (secondary: "secondary rate limit" in the
 * message or a Retry-After; primary: `x-ratelimit-remaining: 0`), timeouts and broken
 * connections (octokit reports those as status 500 or without a status). Permanent: 401, other
 * 403s, 404, 410, 422 (the "already exists" 422 is handled before it gets here).
 */
export function classifyGitHubError(err: unknown, now = Date.now()): GitHubFailure {
  const e = (err ?? {}) as OctokitLikeError;
  const status = typeof e.status === 'number' ? e.status : undefined;
  const headers = e.response?.headers ?? {};
  const text = githubMessage(e.response?.data) ?? (typeof e.message === 'string' ? e.message : String(err));
  if (status === undefined) return { permanent: false, message: `GitHub unreachable: ${text}` };
  const retryAfter = Number(headers['retry-after']);
  const reset = Number(headers['x-ratelimit-reset']);
  const rateLimited =
    status === 429 ||
    (status === 403 &&
      (/secondary rate|rate limit/i.test(text) ||
        headers['retry-after'] !== undefined ||
        headers['x-ratelimit-remaining'] === '0'));
  const waitMs =
    retryAfter > 0
      ? retryAfter * 1000
      : headers['x-ratelimit-remaining'] === '0' && reset > 0
        ? Math.max(0, reset * 1000 - now) + 1000
        : undefined;
  if (rateLimited || status >= 500 || status === 408) {
    return {
      permanent: false,
      status,
      message: `GitHub ${status}: ${text}`,
      ...(waitMs ? { retryAfterMs: waitMs } : {}),
    };
  }
  const hint = hints[status];
  return {
    permanent: status >= 400 && status < 500,
    status,
    message: `GitHub ${status}: ${text}${hint ? ` — ${hint}` : ''}`,
  };
}
