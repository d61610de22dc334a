import { UpstreamUnavailableError } from '../interceptors/upstream-unavailable-error.ts';
import type { GitHubFiles } from '../types.ts';
import { classifyGitHubError } from './classify-github-error.ts';
import { createGitHubClient } from './create-github-client.ts';

export interface OctokitGitHubFilesOptions {
  /** REST base URL (tests, GitHub Enterprise). Default api.github.com. */
  readonly baseUrl?: string;
  /** `X-GitHub-Enterprise-Host` values whose API may be called (SSRF guard); others are ignored. */
  readonly allowedEnterpriseHosts?: readonly string[];
  /**
   * The process-wide token (`SIGNALBOX_GITHUB_TOKEN_FILE`), used when a trigger names no
   * `personalAccessToken`. Asked at each call, so a rotated file is picked up.
   */
  readonly defaultToken?: () => string | undefined;
  /** Time for one listing, retries included, when the caller gives no deadline (ms, default 8 000). */
  readonly budgetMs?: number;
}

/**
 * Lists a pull request's files through the GitHub REST API (all pages, 100 a page), as Tekton's
 * `addChangedFiles` does. Transient failures (5xx, 429, rate limits, dropped connections) are
 * retried until the caller's deadline (250 ms, 1 s, 2.25 s apart; a rate limit only if its wait
 * fits); one that persists throws `UpstreamUnavailableError` — the delivery must be answered 503,
 * never acknowledged without its runs. A permanent failure throws an `Error` whose message says
 * what to fix (401/403/404).
 */
export function octokitGitHubFiles(options: OctokitGitHubFilesOptions = {}): GitHubFiles {
  return {
    async listPullRequestFiles({ owner, repo, number, token, enterpriseHost, deadline }) {
      const baseUrl =
        enterpriseHost && options.allowedEnterpriseHosts?.includes(enterpriseHost)
          ? `https://${enterpriseHost}/api/v3`
          : options.baseUrl;
      const endsAt = deadline ?? Date.now() + (options.budgetMs ?? 8_000);
      const signal = AbortSignal.timeout(Math.max(0, Math.floor(endsAt - Date.now())));
      const what = `listing the files of ${owner}/${repo}#${number}`;
      // What the last attempt got, so a deadline reached while retrying says why (a 502, …).
      let lastAnswer: { status: number; headers: Record<string, string> } | undefined;
      const recordingFetch: typeof fetch = async (input, init) => {
        const response = await fetch(input, init);
        if (response.status >= 400)
          lastAnswer = { status: response.status, headers: Object.fromEntries(response.headers) };
        return response;
      };
      const auth = token ?? options.defaultToken?.();
      const octokit = createGitHubClient({
        baseUrl,
        ...(auth ? { auth } : {}),
        retryBaseMs: 250,
        maxRateLimitWaitMs: () => endsAt - Date.now(),
        fetch: recordingFetch,
        signal,
      });
      const listing = octokit.paginate(octokit.rest.pulls.listFiles, {
        owner,
        repo,
        pull_number: number,
        per_page: 100,
      });
      // The retry plugin waits between attempts without looking at the signal: stop at the
      // deadline itself; the abandoned attempt then fails on the aborted signal, quietly.
      listing.catch(() => {});
      const expired = new Promise<never>((_resolve, reject) => {
        const onAbort = () => reject(Object.assign(new Error('deadline'), { name: 'AbortError' }));
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      });
      expired.catch(() => {});
      try {
        const files = await Promise.race([listing, expired]);
        return files.map((f) => f.filename);
      } catch (err) {
        const retriedToDeadline = (err as Error).name === 'AbortError' && lastAnswer !== undefined;
        const failure = classifyGitHubError(
          retriedToDeadline
            ? { status: lastAnswer?.status, response: { headers: lastAnswer?.headers } }
            : err,
          what,
        );
        if (failure.transient) throw new UpstreamUnavailableError(failure.message);
        throw new Error(failure.message);
      }
    },
  };
}
