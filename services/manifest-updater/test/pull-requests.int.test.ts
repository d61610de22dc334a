import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTriggerEngine, fileSecretStore, loadConfig } from '@signalbox/triggers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { digestOf, type Harness, harborBody, startHarness } from './harness.ts';

const branch = 'signalbox/team-a-api-main';
const overlay = 'apps/api/overlays/prod/kustomization.yaml';

let h: Harness;
beforeEach(async () => {
  h = await startHarness(import.meta.url);
});
afterEach(async () => {
  await h.close();
});

/** A push then its clean scan, for one tag. */
async function pushAndScan(
  tag: string,
  n: number,
  severityFixture = 'SCANNING_COMPLETED.no-vulnerabilities.json',
) {
  await h.harbor(harborBody('PUSH_ARTIFACT.json', tag, digestOf(n)), `push-${tag}-${n}`);
  await h.harbor(harborBody(severityFixture, tag, digestOf(n)), `scan-${tag}-${n}`);
}

describe('manifest-updater against the GitHub fake', () => {
  it('Harbor push + clean scan → exactly one PR that changes only the image line, a commit the CI trigger skips', async () => {
    h.startWorker();
    await pushAndScan('1.4.2', 1);
    await h.idle();
    const pulls = h.fake.pulls('org', 'manifests');
    expect(pulls).toHaveLength(1);
    const pr = pulls[0];
    expect(pr).toMatchObject({ head: branch, base: 'main', state: 'open', labels: ['auto-update'] });
    expect(pr?.title).toBe('[Update manifest] harbor.example.com/team-a/api:1.4.2');
    expect(pr?.requestedReviewers).toEqual(['team-a']);

    // The diff: one line of one file.
    const diff = await h.fake.git('org', 'manifests', 'diff', '--unified=0', 'main', branch);
    const changed = diff.split('\n').filter((l) => /^[-+](?![-+])/.test(l));
    expect(changed).toEqual(['-    newTag: "1.0.0"', '+    newTag: "1.4.2"']);
    expect(await h.fake.git('org', 'manifests', 'diff', '--name-only', 'main', branch)).toBe(`${overlay}\n`);
    const log = await h.fake.git('org', 'manifests', 'log', '--format=%s%n%an <%ae>%n%b', `main..${branch}`);
    expect(
      log.startsWith(
        '[Update manifest] harbor.example.com/team-a/api:1.4.2\nSignalbox <signalbox@users.noreply.github.com>',
      ),
    ).toBe(true);
    expect(log).toContain('Scan: highest severity None (below High)');
    expect(log).toContain('Harbor event: SCANNING_COMPLETED');

    // The seed's CI trigger (examples/config/github.yaml) on the push of that commit to develop.
    const sha = (await h.fake.git('org', 'manifests', 'rev-parse', branch)).trim();
    const message = (await h.fake.git('org', 'manifests', 'log', '-1', '--format=%B', branch)).trim();
    const verdict = await ciVerdict(message, sha);
    expect(verdict.fired).toBe(false);
    expect(verdict.reason).toMatch(/filter/);
    expect((await ciVerdict('Fix the login page', sha)).fired).toBe(true); // the same push by a person builds

    const opened = await h.notifications('manifest.pr_opened');
    expect(opened).toHaveLength(1);
    expect(opened[0]).toMatchObject({
      correlation: { image: 'harbor.example.com/team-a/api', digest: digestOf(1) },
      data: {
        repo: 'org/manifests',
        from: ['1.0.0'],
        to: '1.4.2',
        pr: { number: pr?.number, url: expect.stringContaining(`/pull/${pr?.number}`) },
      },
    });
  });

  it('three newer tags in quick succession → one open PR at the newest; an older tag late changes nothing', async () => {
    await pushAndScan('1.5.0', 10);
    await pushAndScan('1.6.0', 11);
    await pushAndScan('1.7.0', 12);
    h.startWorker();
    await h.idle();
    const open = h.fake.pulls('org', 'manifests').filter((p) => p.state === 'open');
    expect(open).toHaveLength(1);
    expect(open[0]?.title).toBe('[Update manifest] harbor.example.com/team-a/api:1.7.0');
    expect(await h.fake.readFile('org', 'manifests', branch, overlay)).toContain('newTag: "1.7.0"');
    const before = await h.fake.branches('org', 'manifests');
    const requests = h.fake.requests.length;

    await pushAndScan('1.6.5', 13);
    await h.idle();
    expect(await h.fake.branches('org', 'manifests')).toEqual(before);
    expect(h.fake.pulls('org', 'manifests')).toHaveLength(1);
    expect(h.fake.requests.slice(requests).filter((r) => r.method !== 'GET')).toEqual([]);
    // Exactly one commit on the branch.
    expect((await h.fake.git('org', 'manifests', 'rev-list', '--count', `main..${branch}`)).trim()).toBe('1');
  });

  it('a Critical vulnerability → no branch, no PR, and a manifest.gated notification', async () => {
    h.startWorker();
    await pushAndScan('1.8.0', 20, 'SCANNING_COMPLETED.json');
    await h.idle();
    expect(h.fake.pulls('org', 'manifests')).toHaveLength(0);
    expect(Object.keys(await h.fake.branches('org', 'manifests'))).toEqual(['main']);
    const gated = await h.notifications('manifest.gated');
    expect(gated).toHaveLength(1);
    expect(gated[0]?.data).toMatchObject({
      tag: '1.8.0',
      reason: 'highest severity Critical (blocks at High)',
    });
  });

  it('a push whose scan never comes is held, then gated at the timeout', async () => {
    h.startWorker({ holdTimeoutMs: 1_500 });
    await h.harbor(harborBody('PUSH_ARTIFACT.json', '1.9.0', digestOf(30)), 'push-held');
    await new Promise((r) => setTimeout(r, 500));
    expect(await h.images.queue.getDelayedCount()).toBe(1);
    expect(await h.notifications('manifest.gated')).toHaveLength(0);
    await h.idle({ timeoutMs: 10_000 });
    const gated = await h.notifications('manifest.gated');
    expect(gated.map((g) => g.data.reason)).toEqual([expect.stringMatching(/no scan result within 2 s/)]);
    expect(h.fake.pulls('org', 'manifests')).toHaveLength(0);
  });

  it('a scan that arrives before its push: the push finds it and goes ahead', async () => {
    h.startWorker();
    await h.harbor(
      harborBody('SCANNING_COMPLETED.no-vulnerabilities.json', '2.0.0', digestOf(40)),
      'scan-first',
    );
    await h.harbor(harborBody('PUSH_ARTIFACT.json', '2.0.0', digestOf(40)), 'push-second');
    await h.idle();
    expect(h.fake.pulls('org', 'manifests').map((p) => p.title)).toEqual([
      '[Update manifest] harbor.example.com/team-a/api:2.0.0',
    ]);
    expect((await h.fake.git('org', 'manifests', 'rev-list', '--count', `main..${branch}`)).trim()).toBe('1');
  });

  it('the manifests already at the image → no branch and no PR', async () => {
    h.startWorker();
    await pushAndScan('1.0.0', 50);
    await h.idle();
    expect(Object.keys(await h.fake.branches('org', 'manifests'))).toEqual(['main']);
    expect(h.fake.pulls('org', 'manifests')).toHaveLength(0);
  });
});

describe('minAge', () => {
  it('a tag younger than minAge waits, then goes ahead', async () => {
    const aged = await startHarness(import.meta.url, { policy: '  minAge: 2s\n' });
    try {
      aged.startWorker();
      await aged.harbor(harborBody('PUSH_ARTIFACT.json', '1.4.2', digestOf(60)), 'push-aged');
      await aged.harbor(
        harborBody('SCANNING_COMPLETED.no-vulnerabilities.json', '1.4.2', digestOf(60)),
        'scan-aged',
      );
      await aged.idle({ includeDelayed: false });
      await new Promise((r) => setTimeout(r, 300));
      expect(aged.fake.pulls('org', 'manifests')).toHaveLength(0);
      expect(await aged.images.queue.getDelayedCount()).toBeGreaterThan(0);
      await aged.idle();
      expect(aged.fake.pulls('org', 'manifests').map((p) => p.title)).toEqual([
        '[Update manifest] harbor.example.com/team-a/api:1.4.2',
      ]);
    } finally {
      await aged.close();
    }
  });
});

/** The verdict of examples/config/github.yaml's CI trigger on a push to develop of one commit. */
async function ciVerdict(message: string, sha: string) {
  const config = loadConfig(join(import.meta.dirname, '..', '..', '..', 'examples', 'config'));
  if (!config.ok) throw new Error('examples config invalid');
  const secrets = join(import.meta.dirname, '..', '..', '..', 'examples', 'secrets');
  const engine = createTriggerEngine(config.config, {
    secrets: fileSecretStore(secrets),
    github: {
      async changedFiles() {
        return ['apps/api/overlays/prod/kustomization.yaml'];
      },
    } as never,
  });
  const body = {
    ref: 'refs/heads/develop',
    before: '0'.repeat(40),
    after: sha,
    repository: {
      full_name: 'org/manifests',
      name: 'manifests',
      owner: { login: 'org' },
      clone_url: 'https://github.com/org/manifests.git',
      html_url: 'https://github.com/org/manifests',
    },
    head_commit: { id: sha, message },
    commits: [
      { id: sha, message, added: [], removed: [], modified: ['apps/api/overlays/prod/kustomization.yaml'] },
    ],
    pusher: { name: 'signalbox-bot' },
    sender: { login: 'signalbox-bot' },
  };
  const raw = JSON.stringify(body);
  const secret = readFileSync(join(secrets, 'github-webhook', 'token'), 'utf8').trim();
  const headers = {
    'x-github-event': 'push',
    'x-github-delivery': `d-${sha}`,
    'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`,
  };
  const parsedEval = await engine.evaluate(
    'github',
    {
      method: 'POST',
      url: '/hooks/github',
      headers: { 'content-type': 'application/json', ...headers },
      rawBody: Buffer.from(raw),
    },
    { eventID: `ci-${sha}`, body },
  );
  const verdict = parsedEval?.triggers.find((t) => t.name === 'ci-develop');
  if (!verdict) throw new Error('no ci-develop trigger');
  return verdict;
}
