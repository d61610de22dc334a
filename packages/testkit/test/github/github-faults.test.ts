import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type GitHubFake, startGitHubFake } from '../../src/index.ts';
import { gitCli, octokitFor, rejected, tempDir, tokenHelper } from './github-test-helpers.ts';

const token = 'ghs_faults';
let fake: GitHubFake;
const repo = { owner: 'org', repo: 'manifests' };
const pullsPath = '/repos/org/manifests/pulls';
beforeAll(async () => {
  fake = await startGitHubFake({ token });
  await fake.createRepo('org', 'manifests');
});
afterEach(() => fake.faults.clear());
afterAll(() => fake.close());

describe('rate-limit headers', () => {
  it('come on every REST response, counting down per token', async () => {
    const { octokit } = octokitFor(fake.apiUrl, token);
    const a = await octokit.rest.pulls.list(repo);
    const b = await octokit.rest.pulls.list(repo);
    expect(a.headers['x-ratelimit-limit']).toBe('5000');
    expect(a.headers['x-ratelimit-resource']).toBe('core');
    expect(Number(b.headers['x-ratelimit-remaining'])).toBe(Number(a.headers['x-ratelimit-remaining']) - 1);
    expect(Number(b.headers['x-ratelimit-used'])).toBe(Number(a.headers['x-ratelimit-used']) + 1);
    expect(Number(a.headers['x-ratelimit-reset'])).toBeGreaterThan(Date.now() / 1000);
    const denied = await rejected(octokitFor(fake.apiUrl, 'nope').octokit.rest.pulls.list(repo));
    expect(denied.response?.headers['x-ratelimit-limit']).toBe('5000');
  });

  it('enforce the primary limit: 403 with remaining 0 once spent, waited out by the throttling plugin', async () => {
    const limited = await startGitHubFake({ token, rateLimit: { limit: 2, windowSeconds: 1 } });
    try {
      await limited.createRepo('org', 'manifests');
      const { octokit, events } = octokitFor(limited.apiUrl, token);
      await octokit.rest.pulls.list(repo);
      await octokit.rest.pulls.list(repo);
      const third = await octokit.rest.pulls.list(repo);
      expect(third.status).toBe(200);
      expect(events.primary).toHaveLength(1);
      const refused = limited.requests.find((r) => r.status === 403);
      expect(refused).toBeDefined();
    } finally {
      await limited.close();
    }
  });
});

describe('faults', () => {
  it('a secondary rate limit is honoured by the throttling plugin (waits Retry-After, then succeeds)', async () => {
    const { octokit, events } = octokitFor(fake.apiUrl, token);
    const fault = fake.faults.inject({
      kind: 'secondary-rate-limit',
      method: 'GET',
      path: pullsPath,
      retryAfter: 1,
    });
    const { status } = await octokit.rest.pulls.list(repo);
    expect(status).toBe(200);
    expect(events.secondary).toEqual([1]);
    expect(fault.hits).toBe(1);
    expect(fault.faulted[0]).toMatchObject({ status: 403, honoured: true });
    expect((fault.faulted[0]?.nextAt ?? 0) - (fault.faulted[0]?.at ?? 0)).toBeGreaterThanOrEqual(1000);
  });

  it('records a client that does not wait as not honouring Retry-After', async () => {
    const fault = fake.faults.inject({ kind: 'secondary-rate-limit', path: pullsPath, retryAfter: 30 });
    const first = await fetch(`${fake.apiUrl}${pullsPath}`, { headers: { authorization: `token ${token}` } });
    expect(first.status).toBe(403);
    expect(first.headers.get('retry-after')).toBe('30');
    expect(await first.json()).toMatchObject({ message: expect.stringContaining('secondary rate limit') });
    expect(fault.faulted[0]?.honoured).toBeUndefined();
    const again = await fetch(`${fake.apiUrl}${pullsPath}`, { headers: { authorization: `token ${token}` } });
    expect(again.status).toBe(200);
    expect(fault.faulted[0]?.honoured).toBe(false);
  });

  it('a 502 from the edge (HTML body) is retried by the retry plugin', async () => {
    const { octokit } = octokitFor(fake.apiUrl, token);
    const fault = fake.faults.inject({ kind: 'server-error', method: 'GET', path: pullsPath, times: 2 });
    const { status } = await octokit.rest.pulls.list(repo);
    expect(status).toBe(200);
    expect(fault.faulted.map((f) => f.status)).toEqual([502, 502]);
    const attempts = fake.requests.filter((r) => r.path.startsWith(pullsPath)).slice(-3);
    expect(attempts.map((r) => r.status)).toEqual([502, 502, 200]);
  });

  it('a 502 on a write with retries exhausted surfaces as a 502 error', async () => {
    const { octokit } = octokitFor(fake.apiUrl, token);
    fake.faults.inject({ kind: 'server-error', method: 'POST', path: pullsPath, times: 10 });
    const err = await rejected(
      octokit.rest.pulls.create({ ...repo, title: 't', head: 'x', base: 'main', request: { retries: 1 } }),
    );
    expect(err.status).toBe(502);
  });

  it('a primary-limit fault carries remaining 0 and a reset the throttling plugin waits for', async () => {
    const { octokit, events } = octokitFor(fake.apiUrl, token);
    const fault = fake.faults.inject({ kind: 'primary-rate-limit', path: /\/pulls$/, resetInSeconds: 1 });
    const { status } = await octokit.rest.pulls.list(repo);
    expect(status).toBe(200);
    expect(events.primary).toHaveLength(1);
    expect(fault.faulted[0]?.honoured).toBe(true);
  });

  it('a bare 429 with Retry-After is answered as such', async () => {
    fake.faults.inject({ kind: 'too-many-requests', path: pullsPath, retryAfter: 2 });
    const r = await fetch(`${fake.apiUrl}${pullsPath}`, { headers: { authorization: `token ${token}` } });
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('2');
    expect(r.headers.get('x-ratelimit-limit')).toBe('5000');
  });

  it('applies to git requests too: a 502 on upload-pack fails the clone', async () => {
    const work = await tempDir();
    try {
      const fault = fake.faults.inject({ kind: 'server-error', path: /manifests\.git\/info\/refs/ });
      const r = await gitCli(work.dir, [
        ...tokenHelper(token),
        'clone',
        fake.gitUrl('org', 'manifests'),
        'c',
      ]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('502');
      expect(fault.hits).toBe(1);
    } finally {
      await work.remove();
    }
  });
});

describe('git request bodies', () => {
  it('a gzip-encoded upload-pack request is inflated by http-backend', async () => {
    const sha = (await fake.branches('org', 'manifests')).main ?? '';
    const pkt = (line: string) => `${(line.length + 4).toString(16).padStart(4, '0')}${line}`;
    const body = gzipSync(Buffer.from(`${pkt(`want ${sha}\n`)}0000${pkt('done\n')}`));
    const r = await fetch(`${fake.gitUrl('org', 'manifests')}/git-upload-pack`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`,
        'content-type': 'application/x-git-upload-pack-request',
        'content-encoding': 'gzip',
      },
      body,
    });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/x-git-upload-pack-result');
    const answer = Buffer.from(await r.arrayBuffer());
    expect(answer.subarray(0, 8).toString()).toBe('0008NAK\n');
    expect(answer.includes(Buffer.from('PACK'))).toBe(true);
  });
});
