import { type GitHubFake, startGitHubFake } from '@signalbox/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { octokitGitHubFiles } from '../../src/github/octokit-github-files.ts';

describe('octokitGitHubFiles against a GitHub REST fake', () => {
  let github: GitHubFake;
  beforeAll(async () => {
    github = await startGitHubFake({ token: 'ghp_abc' });
  });
  afterAll(() => github.close());

  it('lists every page of a pull request’s files with the token', async () => {
    const names = Array.from({ length: 230 }, (_v, i) => `services/api/f${i}.go`);
    github.pullFiles.set('org/app#7', names);
    const files = await octokitGitHubFiles({ baseUrl: github.url }).listPullRequestFiles({
      owner: 'org',
      repo: 'app',
      number: 7,
      token: 'ghp_abc',
    });
    expect(files).toEqual(names);
    const calls = github.requests.filter((r) => r.path.startsWith('/repos/org/app/pulls/7/files'));
    expect(calls).toHaveLength(3);
    expect(calls.every((c) => c.authorization === 'token ghp_abc')).toBe(true);
  });

  it('surfaces GitHub’s errors (wrong token, unknown PR)', async () => {
    const client = octokitGitHubFiles({ baseUrl: github.url });
    await expect(
      client.listPullRequestFiles({ owner: 'org', repo: 'app', number: 7, token: 'nope' }),
    ).rejects.toThrow(/Bad credentials/);
    await expect(
      client.listPullRequestFiles({ owner: 'org', repo: 'app', number: 8, token: 'ghp_abc' }),
    ).rejects.toThrow(/Not Found/);
  });

  it('ignores an X-GitHub-Enterprise-Host that is not allow-listed (no SSRF)', async () => {
    github.pullFiles.set('org/app#9', ['a']);
    const files = await octokitGitHubFiles({
      baseUrl: github.url,
      allowedEnterpriseHosts: [],
    }).listPullRequestFiles({
      owner: 'org',
      repo: 'app',
      number: 9,
      token: 'ghp_abc',
      enterpriseHost: '169.254.169.254',
    });
    expect(files).toEqual(['a']);
  });
});
