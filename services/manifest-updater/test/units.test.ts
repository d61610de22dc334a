import { describe, expect, it } from 'vitest';
import { classifyFailure } from '../src/classify-failure.ts';
import { ignoreReason } from '../src/ignore-reason.ts';
import { pullRequestText } from '../src/pull-request-text.ts';
import { resolveTarget } from '../src/resolve-target.ts';
import { scanVerdict } from '../src/scan-verdict.ts';
import { compileTagRules } from '../src/tag-rules.ts';

const digest = `sha256:${'a'.repeat(64)}`;
const ignoreAll = { digestOnly: true, accessories: true, tags: ['-debug$'] };

describe('ignoreReason', () => {
  it('skips pushes by digest, accessories and listed tags; keeps real tags', () => {
    expect(ignoreReason(ignoreAll, { tag: '', digest })).toMatch(/by digest/);
    expect(ignoreReason(ignoreAll, { tag: digest, digest })).toMatch(/by digest/);
    expect(ignoreReason(ignoreAll, { tag: `sha256-${'b'.repeat(64)}.sig`, digest })).toMatch(/accessory/);
    expect(ignoreReason(ignoreAll, { tag: `sha256-${'b'.repeat(64)}`, digest })).toMatch(/accessory/);
    expect(ignoreReason(ignoreAll, { tag: '1.2.3-debug', digest })).toMatch(/-debug\$/);
    expect(ignoreReason(ignoreAll, { tag: '1.2.3', digest })).toBeUndefined();
    expect(
      ignoreReason({ digestOnly: false, accessories: false, tags: [] }, { tag: digest, digest }),
    ).toBeUndefined();
  });
});

describe('compileTagRules', () => {
  const rules = compileTagRules({ pattern: '^v?\\d+\\.\\d+\\.\\d+$', semver: '>=1.0.0' });
  it('applies the pattern and the range', () => {
    expect(rules.rejects('1.4.2')).toBeUndefined();
    expect(rules.rejects('v1.4.2')).toBeUndefined();
    expect(rules.rejects('0.9.0')).toMatch(/outside >=1\.0\.0/);
    expect(rules.rejects('latest')).toMatch(/does not match/);
    expect(rules.rejects('1.5.0-rc.1')).toMatch(/does not match/);
  });
  it('orders versions by semver (1.10.0 after 1.9.0), and equal tags by when they were seen', () => {
    expect(rules.compare({ tag: '1.10.0', at: 1 }, { tag: '1.9.0', at: 2 })).toBeGreaterThan(0);
    expect(rules.compare({ tag: '1.9.0', at: 5 }, { tag: '1.10.0', at: 1 })).toBeLessThan(0);
    expect(rules.compare({ tag: '1.9.0', at: 5 }, { tag: '1.9.0', at: 1 })).toBeGreaterThan(0);
  });
  it('orders tags without versions (commit shas) by when they were seen', () => {
    const any = compileTagRules(undefined);
    expect(any.rejects('3f2a9c1')).toBeUndefined();
    expect(any.compare({ tag: '3f2a9c1', at: 10 }, { tag: 'b7e01d2', at: 20 })).toBeLessThan(0);
  });
});

describe('scanVerdict', () => {
  const gate = { scan: 'required' as const, blockAt: 'High' as const };
  it('passes a clean scan, blocks at or above blockAt, and blocks failed or stopped scans', () => {
    expect(scanVerdict(gate, { event: 'SCANNING_COMPLETED', severity: 'Medium' }).state).toBe('pass');
    expect(scanVerdict(gate, { event: 'SCANNING_COMPLETED', severity: 'None' }).state).toBe('pass');
    expect(scanVerdict(gate, { event: 'SCANNING_COMPLETED', severity: 'High' }).state).toBe('block');
    expect(scanVerdict(gate, { event: 'SCANNING_COMPLETED', severity: 'Critical' })).toEqual({
      state: 'block',
      summary: 'highest severity Critical (blocks at High)',
    });
    expect(scanVerdict(gate, { event: 'SCANNING_COMPLETED', severity: 'Weird' }).state).toBe('block');
    expect(scanVerdict(gate, { event: 'SCANNING_COMPLETED' }).state).toBe('block');
    expect(scanVerdict(gate, { event: 'SCANNING_FAILED' }).state).toBe('block');
    expect(scanVerdict(gate, { event: 'SCANNING_STOPPED' }).state).toBe('block');
  });
  it('makes a push wait for its scan under scan: required, and pass without a gate', () => {
    expect(scanVerdict(gate, { event: 'PUSH_ARTIFACT' }).state).toBe('awaiting-scan');
    expect(scanVerdict({ scan: 'none' }, { event: 'PUSH_ARTIFACT' }).state).toBe('pass');
    expect(scanVerdict(undefined, { event: 'SCANNING_COMPLETED', severity: 'Critical' }).state).toBe(
      'irrelevant',
    );
    expect(scanVerdict({ scan: 'required' }, { event: 'SCANNING_COMPLETED', severity: 'High' }).state).toBe(
      'block',
    );
  });
});

describe('classifyFailure: GitHub errors through the shared classification', () => {
  const err = (status: number, message: string, headers: Record<string, string> = {}) => ({
    name: 'HttpError',
    status,
    message,
    response: { headers, data: { message } },
  });
  it('retries 5xx, rate limits (with their wait) and transport errors', () => {
    expect(classifyFailure(err(502, 'Bad Gateway'))).toMatchObject({ permanent: false, code: 'GITHUB_502' });
    const secondary = classifyFailure(
      err(403, 'You have exceeded a secondary rate limit', { 'retry-after': '30' }),
    );
    expect(secondary).toMatchObject({ permanent: false, retryAfterMs: 30_000 });
    expect(classifyFailure(new TypeError('fetch failed')).permanent).toBe(false);
  });
  it('dead-letters 401/403/404/422 with what to fix', () => {
    expect(classifyFailure(err(401, 'Bad credentials')).message).toMatch(
      /replace the secret that the policy/,
    );
    expect(classifyFailure(err(403, 'Resource not accessible by integration')).message).toMatch(
      /Pull requests read\/write/,
    );
    expect(classifyFailure(err(404, 'Not Found'))).toMatchObject({ permanent: true, code: 'GITHUB_404' });
    expect(classifyFailure(err(422, 'Validation Failed')).permanent).toBe(true);
  });
});

describe('resolveTarget', () => {
  it('takes owner/name from the URL path, so GitHub Enterprise and fakes work alike', () => {
    expect(resolveTarget('https://github.example.com/org/manifests.git', '/x')).toEqual({
      kind: 'github',
      url: 'https://github.example.com/org/manifests.git',
      owner: 'org',
      repo: 'manifests',
    });
    expect(resolveTarget('./.signalbox/manifests', '/srv')).toEqual({
      kind: 'local',
      url: '/srv/.signalbox/manifests',
      path: '/srv/.signalbox/manifests',
    });
  });
  it('refuses SSH URLs and URLs carrying credentials', () => {
    expect(() => resolveTarget('git@github.com:org/m.git', '/')).toThrow(/SSH/);
    expect(() => resolveTarget('https://x:tok@github.com/org/m.git', '/')).toThrow(/credentials/);
  });
});

describe('pullRequestText', () => {
  it('starts the title with the prefix and names old → new, scan and event in the body', () => {
    const text = pullRequestText(
      '[Update manifest]',
      {
        policy: 'team-a-api',
        image: 'harbor.example.com/team-a/api',
        tag: '1.4.2',
        digest,
        pin: 'tag@digest',
        targetBranch: 'main',
        scan: 'highest severity Low (below High)',
        event: 'SCANNING_COMPLETED',
      },
      [
        {
          path: 'k.yaml',
          before: '',
          after: '',
          edits: [{ field: 'images[0].newTag', old: '1.0.0', new: '1.4.2' }],
        },
      ],
    );
    expect(text.title).toBe(`[Update manifest] harbor.example.com/team-a/api:1.4.2@${digest}`);
    expect(text.body).toContain('`k.yaml` images[0].newTag: `1.0.0` → `1.4.2`');
    expect(text.body).toContain('Scan: highest severity Low (below High)');
    expect(text.body).toContain('Harbor event: SCANNING_COMPLETED for sha256:');
  });
});
