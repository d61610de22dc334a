import { describe, expect, it } from 'vitest';
import { classifyGitHubError } from '../../src/github/classify-github-error.ts';

const what = 'listing the files of org/app#12';
const answered = (status: number, data: unknown, headers: Record<string, string> = {}) => ({
  name: 'HttpError',
  status,
  message: typeof data === 'string' ? data : JSON.stringify(data),
  response: { status, headers, data },
});

describe('classifyGitHubError: transient or permanent, decided once for every GitHub call', () => {
  it('a 5xx is transient and never quotes the HTML error page GitHub’s edge sends', () => {
    const html = '<html><body><h1>502 Bad Gateway</h1></body></html>';
    expect(classifyGitHubError(answered(502, html), what)).toEqual({
      transient: true,
      status: 502,
      message: 'GitHub API answered 502 while listing the files of org/app#12',
    });
  });

  it('rate limits are transient: 429, 403 with remaining 0, 403 with Retry-After or a secondary-limit message', () => {
    const cases = [
      answered(429, { message: 'Too many requests' }),
      answered(403, { message: 'API rate limit exceeded' }, { 'x-ratelimit-remaining': '0' }),
      answered(403, { message: 'slow down' }, { 'retry-after': '30' }),
      answered(403, { message: 'You have exceeded a secondary rate limit.' }),
    ];
    for (const err of cases) expect(classifyGitHubError(err, what).transient).toBe(true);
  });

  it('no answer (connection refused, timeout) is transient', () => {
    expect(
      classifyGitHubError({ name: 'HttpError', status: 500, message: 'connect ECONNREFUSED' }, what),
    ).toEqual({
      transient: true,
      message: 'GitHub API unreachable while listing the files of org/app#12: connect ECONNREFUSED',
    });
    expect(classifyGitHubError({ name: 'AbortError' }, what).transient).toBe(true);
  });

  it('names the access a caller needs and where its token comes from; says how long GitHub asked to wait', () => {
    const context = {
      what: 'opening a pull request',
      needs: 'Pull requests: write',
      credential: 'the policy secret',
    };
    expect(classifyGitHubError(answered(403, { message: 'Forbidden' }), context).message).toBe(
      'GitHub API answered 403 (Forbidden) while opening a pull request: the token lacks access (it needs Pull requests: write)',
    );
    expect(classifyGitHubError(answered(401, { message: 'Bad credentials' }), context).message).toMatch(
      /: the token is missing, expired or revoked: replace the policy secret$/,
    );
    const validation = {
      message: 'Validation Failed',
      errors: [{ message: 'No commits between main and x' }],
    };
    expect(classifyGitHubError(answered(422, validation), context).message).toBe(
      'GitHub API answered 422 (Validation Failed: No commits between main and x) while opening a pull request',
    );
    expect(
      classifyGitHubError(
        answered(403, { message: 'secondary rate limit' }, { 'retry-after': '7' }),
        context,
      ),
    ).toMatchObject({ transient: true, retryAfterMs: 7000 });
    const reset = { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '100' };
    expect(classifyGitHubError(answered(403, {}, reset), { what: 'x', now: 95_000 }).retryAfterMs).toBe(6000);
  });

  it('401, 403 and 404 are permanent, with the fix in the message', () => {
    expect(
      classifyGitHubError(answered(403, { message: 'Resource not accessible by integration' }), what),
    ).toEqual({
      transient: false,
      status: 403,
      message: expect.stringMatching(
        /^GitHub API answered 403 \(Resource not accessible by integration\) while listing .*: the token lacks access \(it needs the repo scope for a classic token/,
      ),
    });
    expect(classifyGitHubError(answered(404, { message: 'Not Found' }), what).message).toMatch(
      /404 \(Not Found\).*the token cannot see it \(a private repository/,
    );
    expect(classifyGitHubError(answered(422, '<p>odd</p>'), what)).toEqual({
      transient: false,
      status: 422,
      message: 'GitHub API answered 422 while listing the files of org/app#12',
    });
  });
});
