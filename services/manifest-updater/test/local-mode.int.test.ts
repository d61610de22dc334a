import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureSampleManifests } from '../src/ensure-sample-manifests.ts';
import { runGit } from '../src/run-git.ts';
import { digestOf, type Harness, harborBody, startHarness } from './harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
});

describe('local mode', () => {
  it('creates the sample manifests once, and a qualifying image lands as a branch there (no GitHub)', async () => {
    const root = mkdtempSync(join(tmpdir(), 'sb-local-'));
    const repo = join(root, 'manifests');
    const home = join(root, 'home');
    expect(await ensureSampleManifests(repo, home)).toBe(true);
    expect(await ensureSampleManifests(repo, home)).toBe(false);
    const git = (...args: string[]) => runGit(args, { cwd: repo, home }).then((s) => s.trim());
    expect(await git('branch', '--show-current')).toBe('main');

    h = await startHarness(import.meta.url, { repo });
    h.startWorker();
    await h.harbor(harborBody('PUSH_ARTIFACT.json', '1.4.2', digestOf(1)), 'push');
    await h.harbor(harborBody('SCANNING_COMPLETED.no-vulnerabilities.json', '1.4.2', digestOf(1)), 'scan');
    await h.idle();

    const branch = 'signalbox/team-a-api-main';
    expect(await git('rev-list', '--count', `main..${branch}`)).toBe('1');
    expect(await git('log', '-1', '--format=%s', branch)).toBe(
      '[Update manifest] harbor.example.com/team-a/api:1.4.2',
    );
    expect(await git('diff', '--name-only', 'main', branch)).toBe(
      'apps/api/overlays/prod/kustomization.yaml',
    );
    // The working tree of the user's repository is not touched.
    expect(await git('status', '--porcelain')).toBe('');
    const ready = await h.notifications('manifest.branch_ready');
    expect(ready.map((n) => n.data)).toEqual([
      expect.objectContaining({
        repo,
        branch,
        from: ['1.0.0'],
        to: '1.4.2',
        commit: await git('rev-parse', branch),
      }),
    ]);
    expect(h.fake.requests.filter((r) => r.path.startsWith('/repos/'))).toEqual([]);
  });
});
