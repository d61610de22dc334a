import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GitHubFake, startGitHubFake } from '../../src/index.ts';
import { octokitFor, rejected } from './github-test-helpers.ts';

const token = 'ghs_extras';
let fake: GitHubFake;
let octokit: ReturnType<typeof octokitFor>['octokit'];
const repo = { owner: 'org', repo: 'manifests' };
const kustomization = (tag: string) =>
  `resources:\n- deployment.yaml\nimages:\n- name: api\n  newTag: ${tag}\n`;

beforeAll(async () => {
  fake = await startGitHubFake({ token, login: 'signalbox[bot]', tokens: { ghp_alice: 'alice' } });
  octokit = octokitFor(fake.apiUrl, token).octokit;
  await fake.createRepo('org', 'manifests', {
    files: {
      'apps/api/kustomization.yaml': kustomization('1.0.0'),
      'apps/api/old.yaml': 'a: 1\n',
      'keep.txt': 'k\n',
    },
    collaborators: ['alice', 'bob', 'signalbox[bot]'],
    teams: ['team-a'],
  });
  await fake.pushCommit('org', 'manifests', 'signalbox/api-main', {
    'apps/api/kustomization.yaml': kustomization('1.2.3'),
    'apps/api/old.yaml': null,
    'apps/api/new.yaml': 'b: 2\nc: 3\n',
  });
  await octokit.rest.pulls.create({ ...repo, title: 'bump', head: 'signalbox/api-main', base: 'main' });
});
afterAll(() => fake.close());

describe('pull request files', () => {
  it('come from the real diff of base and head, with status, counts and patch', async () => {
    const { data } = await octokit.rest.pulls.listFiles({ ...repo, pull_number: 1 });
    const byName = Object.fromEntries(data.map((f) => [f.filename, f]));
    expect(Object.keys(byName).sort()).toEqual([
      'apps/api/kustomization.yaml',
      'apps/api/new.yaml',
      'apps/api/old.yaml',
    ]);
    expect(byName['apps/api/kustomization.yaml']).toMatchObject({
      status: 'modified',
      additions: 1,
      deletions: 1,
      changes: 2,
      patch:
        '@@ -2,4 +2,4 @@ resources:\n - deployment.yaml\n images:\n - name: api\n-  newTag: 1.0.0\n+  newTag: 1.2.3',
    });
    expect(byName['apps/api/new.yaml']).toMatchObject({ status: 'added', additions: 2, deletions: 0 });
    expect(byName['apps/api/old.yaml']).toMatchObject({ status: 'removed', additions: 0, deletions: 1 });
    expect(byName['apps/api/new.yaml']?.sha).toBe(
      (await fake.git('org', 'manifests', 'rev-parse', 'signalbox/api-main:apps/api/new.yaml')).trim(),
    );
  });

  it('ignore commits that moved base since the branch forked (three-dot diff), and an explicit entry wins', async () => {
    await fake.pushCommit('org', 'manifests', 'main', { 'keep.txt': 'changed on main\n' }, 'someone else');
    const { data } = await octokit.rest.pulls.listFiles({ ...repo, pull_number: 1 });
    expect(data.map((f) => f.filename)).not.toContain('keep.txt');
    fake.pullFiles.set('org/manifests#1', ['only/this.txt']);
    try {
      const listed = await octokit.rest.pulls.listFiles({ ...repo, pull_number: 1 });
      expect(listed.data.map((f) => f.filename)).toEqual(['only/this.txt']);
    } finally {
      fake.pullFiles.delete('org/manifests#1');
    }
  });
});

describe('labels and reviewers', () => {
  it('adds labels through the issues API, creating unknown ones and keeping each once', async () => {
    const first = await octokit.rest.issues.addLabels({ ...repo, issue_number: 1, labels: ['auto-update'] });
    expect(first.data.map((l) => l.name)).toEqual(['auto-update']);
    const second = await octokit.rest.issues.addLabels({
      ...repo,
      issue_number: 1,
      labels: ['auto-update', 'prod'],
    });
    expect(second.data.map((l) => l.name)).toEqual(['auto-update', 'prod']);
    const pr = await octokit.rest.pulls.get({ ...repo, pull_number: 1 });
    expect(pr.data.labels.map((l) => l.name)).toEqual(['auto-update', 'prod']);
    expect(
      (await rejected(octokit.rest.issues.addLabels({ ...repo, issue_number: 42, labels: ['x'] }))).status,
    ).toBe(404);
  });

  it('requests reviews from collaborators and teams', async () => {
    const { data, status } = await octokit.rest.pulls.requestReviewers({
      ...repo,
      pull_number: 1,
      reviewers: ['alice'],
      team_reviewers: ['team-a'],
    });
    expect(status).toBe(201);
    expect(data.requested_reviewers?.map((u) => u.login)).toEqual(['alice']);
    expect(data.requested_teams?.map((t) => t.slug)).toEqual(['team-a']);
  });

  it('refuses the author and non-collaborators with 422, as GitHub does', async () => {
    const author = await rejected(
      octokit.rest.pulls.requestReviewers({ ...repo, pull_number: 1, reviewers: ['signalbox[bot]'] }),
    );
    expect(author.status).toBe(422);
    expect(author.response?.data).toMatchObject({
      message: 'Review cannot be requested from pull request author.',
    });
    const stranger = await rejected(
      octokit.rest.pulls.requestReviewers({ ...repo, pull_number: 1, reviewers: ['eve'] }),
    );
    expect(stranger.status).toBe(422);
    expect(stranger.message).toContain('Reviews may only be requested from collaborators');
    const team = await rejected(
      octokit.rest.pulls.requestReviewers({ ...repo, pull_number: 1, team_reviewers: ['team-z'] }),
    );
    expect(team.status).toBe(422);
    expect(fake.pulls('org', 'manifests')[0]?.requestedReviewers).toEqual(['alice']);
  });

  it('records who opened a pull request by the token used', async () => {
    const alice = octokitFor(fake.apiUrl, 'ghp_alice').octokit;
    await fake.pushCommit('org', 'manifests', 'alice-branch', { 'a.txt': 'a\n' });
    const { data } = await alice.rest.pulls.create({
      ...repo,
      title: 'mine',
      head: 'alice-branch',
      base: 'main',
    });
    expect(data.user?.login).toBe('alice');
    const self = await rejected(
      alice.rest.pulls.requestReviewers({ ...repo, pull_number: data.number, reviewers: ['alice'] }),
    );
    expect(self.status).toBe(422);
  });
});

describe('commit statuses', () => {
  it('creates and lists statuses for a sha or a branch, newest first, context default by default', async () => {
    const sha = (await fake.branches('org', 'manifests'))['signalbox/api-main'] ?? '';
    const created = await octokit.rest.repos.createCommitStatus({
      ...repo,
      sha,
      state: 'pending',
      target_url: 'https://ci.example/run/1',
      description: 'checking',
    });
    expect(created.status).toBe(201);
    expect(created.data).toMatchObject({
      state: 'pending',
      context: 'default',
      creator: { login: 'signalbox[bot]' },
    });
    await octokit.rest.repos.createCommitStatus({
      ...repo,
      sha,
      state: 'success',
      context: 'signalbox/scan',
    });
    const listed = await octokit.rest.repos.listCommitStatusesForRef({ ...repo, ref: 'signalbox/api-main' });
    expect(listed.data.map((s) => [s.state, s.context])).toEqual([
      ['success', 'signalbox/scan'],
      ['pending', 'default'],
    ]);
    expect(fake.statuses.map((s) => [s.sha, s.state, s.targetUrl])).toEqual([
      [sha, 'pending', 'https://ci.example/run/1'],
      [sha, 'success', null],
    ]);
  });

  it('refuses a bad state, a description over 140 characters and an unknown sha with 422', async () => {
    const sha = (await fake.branches('org', 'manifests')).main ?? '';
    // Not a state octokit's types allow: sent as a plain route so the fake's own check answers.
    const state = await rejected(
      octokit.request(`POST /repos/org/manifests/statuses/${sha}`, { state: 'done' }),
    );
    expect(state.status).toBe(422);
    expect(state.response?.data).toMatchObject({ errors: [{ field: 'state' }] });
    const long = await rejected(
      octokit.rest.repos.createCommitStatus({ ...repo, sha, state: 'success', description: 'x'.repeat(141) }),
    );
    expect(long.response?.data).toMatchObject({ errors: [{ field: 'description' }] });
    await octokit.rest.repos.createCommitStatus({
      ...repo,
      sha,
      state: 'success',
      description: 'x'.repeat(140),
    });
    const unknown = await rejected(
      octokit.rest.repos.createCommitStatus({ ...repo, sha: 'f'.repeat(40), state: 'success' }),
    );
    expect(unknown.status).toBe(422);
    expect(unknown.response?.data).toMatchObject({ message: `No commit found for SHA: ${'f'.repeat(40)}` });
    expect(fake.statuses.filter((s) => s.sha === sha)).toHaveLength(1);
  });
});
