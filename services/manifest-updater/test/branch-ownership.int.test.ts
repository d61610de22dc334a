import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sampleManifests } from '../src/sample-manifests.ts';
import { digestOf, type Harness, harborBody, startHarness } from './harness.ts';

const branch = 'signalbox/team-a-api-main';
const overlay = 'apps/api/overlays/prod/kustomization.yaml';

let h: Harness;
beforeEach(async () => {
  h = await startHarness(import.meta.url);
  h.startWorker();
});
afterEach(async () => {
  await h.close();
});

async function pushAndScan(tag: string, n: number) {
  await h.harbor(harborBody('PUSH_ARTIFACT.json', tag, digestOf(n)), `push-${tag}`);
  await h.harbor(harborBody('SCANNING_COMPLETED.no-vulnerabilities.json', tag, digestOf(n)), `scan-${tag}`);
  await h.idle();
}

describe('what the manifest-updater does not own', () => {
  it('a person commits on our branch → no force-push over it: dead-lettered with the fix', async () => {
    await pushAndScan('1.5.0', 1);
    const theirs = await h.fake.pushCommit(
      'org',
      'manifests',
      branch,
      { 'NOTES.md': 'reviewer notes\n' },
      'Add notes',
      {
        name: 'Ada Reviewer',
        email: 'ada@example.com',
      },
    );
    await pushAndScan('1.6.0', 2);
    expect((await h.fake.branches('org', 'manifests'))[branch]).toBe(theirs);
    const failed = await h.notifications('manifest.update_failed');
    expect(failed.map((n) => n.data.code)).toEqual(['BRANCH_EDITED']);
    expect(String(failed[0]?.data.message)).toMatch(/ada@example\.com.*does not overwrite/);
  });

  it('the target branch reaches the image by another way → the open PR for it is closed, nothing pushed', async () => {
    await pushAndScan('1.5.0', 1);
    expect(h.fake.pulls('org', 'manifests').map((p) => p.state)).toEqual(['open']);
    const overlayText = sampleManifests[overlay]?.replace('newTag: "1.0.0"', 'newTag: "1.6.0"') ?? '';
    await h.fake.pushCommit('org', 'manifests', 'main', { [overlay]: overlayText }, 'Release 1.6.0 by hand');
    const before = (await h.fake.branches('org', 'manifests'))[branch];
    await pushAndScan('1.6.0', 2);
    expect(h.fake.pulls('org', 'manifests').map((p) => p.state)).toEqual(['closed']);
    expect(h.fake.pulls('org', 'manifests')[0]?.body).toContain(
      'Closed by Signalbox: `main` already points at `harbor.example.com/team-a/api:1.6.0`',
    );
    expect((await h.fake.branches('org', 'manifests'))[branch]).toBe(before);
  });
});
