import { createLogger } from '@signalbox/runtime';
import { describe, expect, it } from 'vitest';
import { ensurePullRequest } from '../src/ensure-pull-request.ts';
import type { GitHost, PullRequestRef } from '../src/git-host.ts';

/**
 * An in-memory GitHost whose list misses a PR another worker opened a moment ago (GitHub's
 * search lags, or the two raced), so the create meets GitHub's 422 as octokit reports it.
 */
function racingHost() {
  const pulls: (PullRequestRef & { labels: string[] })[] = [
    { number: 7, url: 'https://github.test/org/m/pull/7', title: 'old', body: 'old', labels: [] },
  ];
  let listed = 0;
  const calls: string[] = [];
  const host: GitHost = {
    async findOpenPull() {
      calls.push('list');
      return listed++ === 0 ? undefined : pulls[0];
    },
    async createPull() {
      calls.push('create');
      throw Object.assign(new Error('Validation Failed'), {
        status: 422,
        response: {
          data: {
            message: 'Validation Failed',
            errors: [
              {
                resource: 'PullRequest',
                code: 'custom',
                message: 'A pull request already exists for org:signalbox/p-main.',
              },
            ],
          },
        },
      });
    },
    async updatePull(_repo, number, pull) {
      calls.push('update');
      const p = pulls.find((x) => x.number === number);
      if (!p) throw new Error('no such PR');
      Object.assign(p, pull);
      return p;
    },
    async addLabels(_repo, _n, labels) {
      calls.push('labels');
      pulls[0]?.labels.push(...labels);
    },
    async requestReviewers() {
      calls.push('reviewers');
    },
    async closePull() {
      calls.push('close');
    },
  };
  return { host, pulls, calls };
}

describe('ensurePullRequest', () => {
  it('on 422 "A pull request already exists" finds that PR and updates it instead', async () => {
    const { host, pulls, calls } = racingHost();
    const result = await ensurePullRequest(
      host,
      { owner: 'org', repo: 'm' },
      {
        branch: 'signalbox/p-main',
        base: 'main',
        title: 'new',
        body: 'new body',
        labels: ['auto'],
        reviewers: [],
        draft: false,
      },
      createLogger({ level: 'silent' }),
    );
    expect(result).toMatchObject({ opened: false, pull: { number: 7, title: 'new', body: 'new body' } });
    expect(calls).toEqual(['list', 'create', 'list', 'update', 'labels']);
    expect(pulls).toHaveLength(1);
  });
});
