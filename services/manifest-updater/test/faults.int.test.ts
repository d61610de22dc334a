import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { digestOf, type Harness, harborBody, startHarness } from './harness.ts';

const branch = 'signalbox/team-a-api-main';

let h: Harness;
beforeEach(async () => {
  h = await startHarness(import.meta.url);
});
afterEach(async () => {
  await h.close();
});

async function pushAndScan(tag: string, n: number) {
  await h.harbor(harborBody('PUSH_ARTIFACT.json', tag, digestOf(n)), `push-${tag}`);
  await h.harbor(harborBody('SCANNING_COMPLETED.no-vulnerabilities.json', tag, digestOf(n)), `scan-${tag}`);
}

const pushes = () =>
  h.fake.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/git-receive-pack'));
const commitsOnBranch = async () =>
  (await h.fake.git('org', 'manifests', 'rev-list', '--count', `main..${branch}`)).trim();

describe('manifest-updater when GitHub fails', () => {
  it('GitHub 5xx on PR creation past the client’s retries → the job retries: one PR, one commit, one push', async () => {
    const fault = h.fake.faults.inject({
      kind: 'server-error',
      method: 'POST',
      path: '/repos/org/manifests/pulls',
      times: 5,
    });
    h.startWorker();
    await pushAndScan('1.4.2', 1);
    await h.idle({ timeoutMs: 90_000 });
    expect(fault.hits).toBe(5);
    expect(h.fake.pulls('org', 'manifests')).toHaveLength(1);
    expect(await commitsOnBranch()).toBe('1');
    // The retried job rebuilt the same commit (same tree, parent and dates): nothing to push again.
    expect(pushes()).toHaveLength(1);
    expect(await h.notifications('manifest.pr_opened')).toHaveLength(1);
  });

  it('a secondary rate limit with Retry-After → waited out as told, then one PR', async () => {
    const fault = h.fake.faults.inject({
      kind: 'secondary-rate-limit',
      method: 'POST',
      path: '/repos/org/manifests/pulls',
      retryAfter: 2,
      times: 1,
    });
    h.startWorker();
    await pushAndScan('1.4.3', 2);
    await h.idle({ timeoutMs: 90_000 });
    expect(fault.faulted).toHaveLength(1);
    expect(fault.faulted[0]?.honoured).toBe(true);
    expect(h.fake.pulls('org', 'manifests')).toHaveLength(1);
    expect(await commitsOnBranch()).toBe('1');
  });

  it('a git push that meets a 502 is retried; the branch ends with one commit', async () => {
    const fault = h.fake.faults.inject({
      kind: 'server-error',
      method: 'POST',
      path: /git-receive-pack$/,
      times: 1,
    });
    h.startWorker();
    await pushAndScan('1.4.4', 3);
    await h.idle({ timeoutMs: 90_000 });
    expect(fault.hits).toBe(1);
    expect(h.fake.pulls('org', 'manifests')).toHaveLength(1);
    expect(await commitsOnBranch()).toBe('1');
  });

  it('a refused token → dead-lettered at once with manifest.update_failed naming the fix', async () => {
    writeFileSync(join(h.secretsDir, 'github', 'token'), 'ghp_revoked\n');
    h.startWorker();
    await pushAndScan('1.4.5', 4);
    await h.idle({ timeoutMs: 30_000 });
    // The push (woken by its scan) and the scan each fail once: no retry of a refused token.
    const failed = await h.images.queue.getFailed();
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((j) => j.attemptsMade === 1)).toBe(true);
    const notes = await h.notifications('manifest.update_failed');
    expect(notes).toHaveLength(1);
    expect(String(notes[0]?.data.message)).toMatch(/check target\.repo and the token/);
    expect(String(notes[0]?.data.message)).not.toContain('ghp_revoked');
    expect(h.fake.pulls('org', 'manifests')).toHaveLength(0);
  });
});
