import type { Logger } from '@signalbox/runtime';
import { createGitHubClient } from '@signalbox/triggers';
import type { GitHost, PullRequestRef } from './git-host.ts';

export interface OctokitGitHostOptions {
  /** REST base, `GITHUB_API_URL` (https://api.github.com, a GHE `/api/v3`, or a test fake). */
  readonly baseUrl: string;
  readonly token: string;
  readonly logger: Logger;
  /**
   * Longest secondary-rate-limit wait (seconds) the client sits out in place; a longer one (or a
   * second one) fails the call, and the job is retried later with that Retry-After (default 60).
   */
  readonly maxInlineWaitSeconds?: number;
  /** plugin-retry's base delay (ms; 1 000 → waits 1 s, 4 s, 9 s on 5xx). */
  readonly retryBaseMs?: number;
}

const toRef = (p: {
  number: number;
  html_url: string;
  title: string;
  body?: string | null;
}): PullRequestRef => ({
  number: p.number,
  url: p.html_url,
  title: p.title,
  body: p.body ?? '',
});

/**
 * A `GitHost` over the shared GitHub client (`createGitHubClient`: 5xx and dropped connections
 * retried, write spacing, rate limits honoured). Waits longer than `maxInlineWaitSeconds` are not
 * sat out in the worker: the error reaches the job, whose backoff honours the Retry-After.
 */
export function octokitGitHost(options: OctokitGitHostOptions): GitHost {
  const maxWait = options.maxInlineWaitSeconds ?? 60;
  const log = options.logger;
  const onRateLimit = (info: { retryAfterSeconds: number; method: string; url: string; retried: boolean }) =>
    log.warn(
      { retryAfter: info.retryAfterSeconds, request: `${info.method} ${info.url}`, waiting: info.retried },
      'GitHub rate limit reached',
    );
  const octokit = createGitHubClient({
    baseUrl: options.baseUrl.replace(/\/$/, ''),
    auth: options.token,
    userAgent: 'signalbox-manifest-updater',
    retryBaseMs: options.retryBaseMs ?? 1_000,
    maxRateLimitWaitMs: maxWait * 1000,
    onRateLimit,
  });
  return {
    async findOpenPull(repo, branch, base) {
      const { data } = await octokit.rest.pulls.list({
        ...repo,
        head: `${repo.owner}:${branch}`,
        base,
        state: 'open',
        per_page: 10,
      });
      const pull = data[0];
      return pull ? toRef(pull) : undefined;
    },
    async createPull(repo, pull) {
      const { data } = await octokit.rest.pulls.create({
        ...repo,
        title: pull.title,
        body: pull.body,
        head: pull.branch,
        base: pull.base,
        draft: pull.draft,
        maintainer_can_modify: false,
      });
      return toRef(data);
    },
    async updatePull(repo, number, pull) {
      const { data } = await octokit.rest.pulls.update({ ...repo, pull_number: number, ...pull });
      return toRef(data);
    },
    async addLabels(repo, number, labels) {
      if (labels.length > 0)
        await octokit.rest.issues.addLabels({ ...repo, issue_number: number, labels: [...labels] });
    },
    async requestReviewers(repo, number, reviewers) {
      if (reviewers.length === 0) return;
      const teams = reviewers.filter((r) => r.includes('/')).map((r) => r.slice(r.indexOf('/') + 1));
      const users = reviewers.filter((r) => !r.includes('/'));
      await octokit.rest.pulls.requestReviewers({
        ...repo,
        pull_number: number,
        ...(users.length ? { reviewers: users } : {}),
        ...(teams.length ? { team_reviewers: teams } : {}),
      });
    },
    async closePull(repo, number, reason) {
      // One write: the reason goes into the body (a comment would be a second, notifying write).
      const { data } = await octokit.rest.pulls.get({ ...repo, pull_number: number });
      await octokit.rest.pulls.update({
        ...repo,
        pull_number: number,
        state: 'closed',
        body: `${data.body ?? ''}\n\n---\nClosed by Signalbox: ${reason}`,
      });
    },
  };
}
