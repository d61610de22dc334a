import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GitHubFake, startGitHubFake } from '../../src/index.ts';
import { octokitFor, rejected } from './github-test-helpers.ts';

const token = 'ghs_pulls';
let fake: GitHubFake;
let octokit: ReturnType<typeof octokitFor>['octokit'];
const repo = { owner: 'org', repo: 'manifests' };
beforeAll(async () => {
  fake = await startGitHubFake({ token, login: 'signalbox[bot]' });
  octokit = octokitFor(fake.apiUrl, token).octokit;
  await fake.createRepo('org', 'manifests', {
    files: { 'apps/api/kustomization.yaml': 'images:\n- name: api\n  newTag: 1.0.0\n', 'old.txt': 'x\n' },
  });
});
afterAll(() => fake.close());

/** A branch one commit ahead of main, pushed as the updater would. */
const branch = async (name: string) => ({
  sha: await fake.pushCommit(
    'org',
    'manifests',
    name,
    { [`${name}.txt`]: `${name}\n` },
    `[Update manifest] ${name}`,
  ),
  main: (await fake.branches('org', 'manifests')).main,
});

// Each test drives real git (branches, commits) through the fake: seconds on a loaded machine.
describe('pulls', { timeout: 30_000 }, () => {
  it('opens a pull request with the fields octokit users read', async () => {
    const { sha, main } = await branch('signalbox/api-main');
    const { data, status } = await octokit.rest.pulls.create({
      ...repo,
      title: '[Update manifest] api 1.2.3',
      head: 'signalbox/api-main',
      base: 'main',
      body: 'bump',
      draft: true,
    });
    expect(status).toBe(201);
    expect(data).toMatchObject({
      number: 1,
      state: 'open',
      title: '[Update manifest] api 1.2.3',
      body: 'bump',
      draft: true,
      merged: false,
      user: { login: 'signalbox[bot]' },
      head: { ref: 'signalbox/api-main', sha, label: 'org:signalbox/api-main' },
      base: { ref: 'main', sha: main },
      labels: [],
      requested_reviewers: [],
      html_url: `${fake.url}/org/manifests/pull/1`,
      url: `${fake.apiUrl}/repos/org/manifests/pulls/1`,
    });
    expect(Date.parse(data.created_at)).toBeGreaterThan(0);
    expect(fake.pulls('org', 'manifests')[0]?.head).toBe('signalbox/api-main');
  });

  it('refuses a second open pull request for the same head and base with GitHub’s 422', async () => {
    const err = await rejected(
      octokit.rest.pulls.create({ ...repo, title: 't', head: 'org:signalbox/api-main', base: 'main' }),
    );
    expect(err.status).toBe(422);
    expect(err.message).toMatch(/^Validation Failed/);
    expect(err.response?.data).toMatchObject({
      errors: [
        {
          resource: 'PullRequest',
          code: 'custom',
          message: 'A pull request already exists for org:signalbox/api-main.',
        },
      ],
    });
  });

  it('refuses a head that does not exist or has no commits beyond base', async () => {
    const missing = await rejected(
      octokit.rest.pulls.create({ ...repo, title: 't', head: 'nope', base: 'main' }),
    );
    expect(missing.status).toBe(422);
    expect(missing.response?.data).toMatchObject({ errors: [{ field: 'head', code: 'invalid' }] });
    await fake.git('org', 'manifests', 'branch', 'empty', 'main');
    const empty = await rejected(
      octokit.rest.pulls.create({ ...repo, title: 't', head: 'empty', base: 'main' }),
    );
    expect(empty.response?.data).toMatchObject({
      errors: [{ message: 'No commits between main and empty' }],
    });
    const noTitle = await rejected(
      octokit.request('POST /repos/org/manifests/pulls', { head: 'x', base: 'main' }),
    );
    expect(noTitle.response?.data).toMatchObject({ errors: [{ field: 'title', code: 'missing_field' }] });
  });

  it('lists by owner:branch head — a bare branch name filters nothing, as on GitHub', async () => {
    await branch('other');
    await octokit.rest.pulls.create({ ...repo, title: 'other', head: 'other', base: 'main' });
    const byLabel = await octokit.rest.pulls.list({ ...repo, head: 'org:signalbox/api-main', state: 'open' });
    expect(byLabel.data.map((p) => p.number)).toEqual([1]);
    const bare = await octokit.rest.pulls.list({ ...repo, head: 'signalbox/api-main' });
    expect(bare.data.map((p) => p.number)).toEqual([2, 1]);
    const wrongOwner = await octokit.rest.pulls.list({ ...repo, head: 'someone:signalbox/api-main' });
    expect(wrongOwner.data).toEqual([]);
    const byBase = await octokit.rest.pulls.list({ ...repo, base: 'release' });
    expect(byBase.data).toEqual([]);
  });

  it('pages with Link headers that keep the filters', async () => {
    for (const name of ['p1', 'p2', 'p3']) {
      await branch(name);
      await octokit.rest.pulls.create({ ...repo, title: name, head: name, base: 'main' });
    }
    const first = await octokit.rest.pulls.list({ ...repo, state: 'all', per_page: 2 });
    expect(first.headers.link).toContain('state=all');
    const all = await octokit.paginate(octokit.rest.pulls.list, { ...repo, state: 'all', per_page: 2 });
    expect(all.map((p) => p.number)).toEqual([5, 4, 3, 2, 1]);
  });

  it('updates title, body and state, and a closed pull request no longer blocks a new one', async () => {
    const updated = await octokit.rest.pulls.update({
      ...repo,
      pull_number: 1,
      title: 'new title',
      body: 'new',
    });
    expect(updated.data).toMatchObject({ title: 'new title', body: 'new', state: 'open' });
    const closed = await octokit.rest.pulls.update({ ...repo, pull_number: 1, state: 'closed' });
    expect(closed.data.state).toBe('closed');
    expect(closed.data.closed_at).not.toBeNull();
    expect((await octokit.rest.pulls.list({ ...repo, head: 'org:signalbox/api-main' })).data).toEqual([]);
    const closedList = await octokit.rest.pulls.list({
      ...repo,
      head: 'org:signalbox/api-main',
      state: 'closed',
    });
    expect(closedList.data.map((p) => p.number)).toEqual([1]);
    const again = await octokit.rest.pulls.create({
      ...repo,
      title: 'again',
      head: 'signalbox/api-main',
      base: 'main',
    });
    expect(again.data.number).toBe(6);
    const reopen = await rejected(octokit.rest.pulls.update({ ...repo, pull_number: 1, state: 'open' }));
    expect(reopen.status).toBe(422);
    const got = await octokit.rest.pulls.get({ ...repo, pull_number: 1 });
    expect(got.data).toMatchObject({ number: 1, state: 'closed', title: 'new title' });
    expect((await rejected(octokit.rest.pulls.get({ ...repo, pull_number: 99 }))).status).toBe(404);
  });

  it('follows pushes to the head branch in head.sha', async () => {
    const sha = await fake.pushCommit('org', 'manifests', 'other', { 'more.txt': 'more\n' }, 'more');
    const { data } = await octokit.rest.pulls.get({ ...repo, pull_number: 2 });
    expect(data.head.sha).toBe(sha);
  });

  it('requires a token (401 Bad credentials) and answers 404 for an unknown repository', async () => {
    const anonymous = octokitFor(fake.apiUrl, 'ghp_wrong').octokit;
    const err = await rejected(anonymous.rest.pulls.list(repo));
    expect(err.status).toBe(401);
    expect(err.response?.data).toMatchObject({ message: 'Bad credentials' });
    expect((await rejected(octokit.rest.pulls.list({ owner: 'org', repo: 'none' }))).status).toBe(404);
  });
});
