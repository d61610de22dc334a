import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GitHubFake, startGitHubFake } from '../../src/index.ts';
import { gitCli, gitOk, tempDir, tokenHelper } from './github-test-helpers.ts';

const token = 'ghs_git';
let fake: GitHubFake;
let work: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  fake = await startGitHubFake({ token, login: 'updater' });
  work = await tempDir();
  await fake.createRepo('org', 'manifests', { files: { 'apps/api/kustomization.yaml': 'images: []\n' } });
  await fake.createRepo('org', 'public-site', { private: false });
});
afterAll(async () => {
  await fake.close();
  await work.remove();
});

const auth = tokenHelper(token);

describe('git smart HTTP', () => {
  it('clones a private repository with the token from a credential helper, after a 401 challenge', async () => {
    await gitOk(work.dir, [...auth, 'clone', '--quiet', fake.gitUrl('org', 'manifests'), 'clone-a']);
    const head = await gitOk(join(work.dir, 'clone-a'), ['log', '--format=%an %s', '-1']);
    expect(head.trim()).toBe('Signalbox Test Initial commit');
    const challenged = fake.requests.find(
      (r) => r.path.startsWith('/org/manifests.git/info/refs') && r.status === 401,
    );
    expect(challenged?.authorization).toBeUndefined();
  });

  it('refuses a private clone without credentials and a wrong token', async () => {
    const none = await gitCli(work.dir, ['clone', fake.gitUrl('org', 'manifests'), 'no-creds']);
    expect(none.code).not.toBe(0);
    expect(none.stderr).toMatch(/could not read Username|Authentication failed|401/);
    const wrong = await gitCli(work.dir, [
      ...tokenHelper('ghs_wrong'),
      'clone',
      fake.gitUrl('org', 'manifests'),
      'x',
    ]);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/Authentication failed/);
  });

  it('serves a public repository without credentials but refuses an anonymous push', async () => {
    await gitOk(work.dir, ['clone', '--quiet', fake.gitUrl('org', 'public-site'), 'site']);
    const dir = join(work.dir, 'site');
    await writeFile(join(dir, 'index.html'), '<p>hi</p>\n');
    await gitOk(dir, ['add', '.']);
    await gitOk(dir, ['commit', '-q', '-m', 'page']);
    const push = await gitCli(dir, ['push', 'origin', 'HEAD:refs/heads/page']);
    expect(push.code).not.toBe(0);
    expect(await fake.branches('org', 'public-site')).not.toHaveProperty('page');
    const denied = fake.requests.filter((r) => r.path.includes('public-site.git') && r.status === 401);
    expect(denied.length).toBeGreaterThan(0);
  });

  it('accepts a push of a new branch (token in the URL) and shows it in the bare repository', async () => {
    const url = new URL(fake.gitUrl('org', 'manifests'));
    url.username = 'x-access-token';
    url.password = token;
    await gitOk(work.dir, ['clone', '--quiet', url.href, 'clone-b']);
    const dir = join(work.dir, 'clone-b');
    await gitOk(dir, ['switch', '-q', '-c', 'signalbox/api-main']);
    await writeFile(join(dir, 'apps/api/kustomization.yaml'), 'images:\n- name: api\n  newTag: 1.2.3\n');
    await gitOk(dir, ['commit', '-q', '-am', '[Update manifest] api 1.2.3']);
    await gitOk(dir, ['push', '-q', 'origin', 'signalbox/api-main']);
    const branches = await fake.branches('org', 'manifests');
    expect(branches['signalbox/api-main']).toBe((await gitOk(dir, ['rev-parse', 'HEAD'])).trim());
    expect(
      await fake.readFile('org', 'manifests', 'signalbox/api-main', 'apps/api/kustomization.yaml'),
    ).toContain('newTag: 1.2.3');
    expect(await fake.git('org', 'manifests', 'log', '-1', '--format=%an', 'signalbox/api-main')).toBe(
      'Updater\n',
    );
  });

  it('rejects --force-with-lease when someone else moved the branch, and fetch shows their commit', async () => {
    await gitOk(work.dir, [...auth, 'clone', '--quiet', fake.gitUrl('org', 'manifests'), 'clone-c']);
    const dir = join(work.dir, 'clone-c');
    await gitOk(dir, [...auth, 'push', '-q', 'origin', 'HEAD:refs/heads/lease']);
    const theirs = await fake.pushCommit(
      'org',
      'manifests',
      'lease',
      { 'NOTE.md': 'theirs\n' },
      'someone else',
    );
    await writeFile(join(dir, 'mine.txt'), 'mine\n');
    await gitOk(dir, ['add', '.']);
    await gitOk(dir, ['commit', '-q', '-m', 'mine']);
    const stale = await gitCli(dir, [
      ...auth,
      'push',
      '--force-with-lease=lease',
      'origin',
      'HEAD:refs/heads/lease',
    ]);
    expect(stale.code).not.toBe(0);
    expect(stale.stderr).toContain('stale info');
    expect((await fake.branches('org', 'manifests')).lease).toBe(theirs);

    await gitOk(dir, [...auth, 'fetch', '-q', 'origin']);
    expect((await gitOk(dir, ['rev-parse', 'origin/lease'])).trim()).toBe(theirs);
    await gitOk(dir, [...auth, 'push', '-q', '--force-with-lease=lease', 'origin', 'HEAD:refs/heads/lease']);
    expect((await fake.branches('org', 'manifests')).lease).toBe(
      (await gitOk(dir, ['rev-parse', 'HEAD'])).trim(),
    );
  });

  it('answers 404 for a repository it does not host', async () => {
    const r = await gitCli(work.dir, [...auth, 'ls-remote', fake.gitUrl('org', 'missing')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/not found/i);
  });

  it('pushCommit advances a branch as another user would, and deletes with null', async () => {
    const before = (await fake.branches('org', 'public-site')).main;
    const sha = await fake.pushCommit(
      'org',
      'public-site',
      'main',
      { 'README.md': null, 'a.txt': 'a\n' },
      'other',
    );
    expect(await fake.git('org', 'public-site', 'rev-parse', `${sha}^`)).toBe(`${before}\n`);
    expect(await fake.readFile('org', 'public-site', 'main', 'README.md')).toBeUndefined();
    expect(await fake.readFile('org', 'public-site', sha, 'a.txt')).toBe('a\n');
  });
});
