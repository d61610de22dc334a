import { type GitHubFake, startGitHubFake } from '@signalbox/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { octokitGitHubFiles } from '../../src/github/octokit-github-files.ts';
import { UpstreamUnavailableError } from '../../src/interceptors/upstream-unavailable-error.ts';

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

  it('uses the process-wide token when the trigger names none, and the trigger’s own when it does', async () => {
    github.pullFiles.set('org/app#10', ['services/api/main.go']);
    const client = octokitGitHubFiles({ baseUrl: github.url, defaultToken: () => 'ghp_abc' });
    const args = { owner: 'org', repo: 'app', number: 10 };
    expect(await client.listPullRequestFiles({ ...args, token: undefined })).toEqual([
      'services/api/main.go',
    ]);
    expect(github.requests.at(-1)?.authorization).toBe('token ghp_abc');
    await expect(client.listPullRequestFiles({ ...args, token: 'ghp_trigger' })).rejects.toThrow(/401/);
    expect(github.requests.at(-1)?.authorization).toBe('token ghp_trigger');
  });

  it('says what to fix for a permanent error, without retrying it', async () => {
    const client = octokitGitHubFiles({ baseUrl: github.url });
    const before = github.requests.length;
    const err = await client
      .listPullRequestFiles({ owner: 'org', repo: 'app', number: 7, token: undefined })
      .catch((e: Error) => e);
    expect((err as Error).message).toBe(
      'GitHub API answered 401 (Bad credentials) while listing the files of org/app#7: the token is missing, expired or revoked',
    );
    expect(err).not.toBeInstanceOf(UpstreamUnavailableError);
    expect(github.requests.length - before).toBe(1);
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
