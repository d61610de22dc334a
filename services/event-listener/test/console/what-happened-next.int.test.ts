import { type EventTrailEntry, eventTrailKey } from '@signalbox/contracts';
import { redisForTest } from '@signalbox/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestListener, type TestListener } from '../build-test-listener.ts';
import { consoleConfig, injectPush } from './console-config.ts';
import { consoleLogin } from './console-login.ts';

const { url, prefix } = redisForTest(import.meta.url);
let listener: TestListener;
const html = { accept: 'text/html' };

beforeAll(async () => {
  listener = await buildTestListener({ redisUrl: url, prefix, config: consoleConfig });
});
afterAll(() => listener.close());

/** Writes trail entries under the key the notifier uses (its writing is the notifier's own test). */
async function recordTrail(eventID: string, entries: Record<string, EventTrailEntry>): Promise<void> {
  const key = eventTrailKey(`${prefix}:ledger`, eventID);
  for (const [field, entry] of Object.entries(entries))
    await listener.redis.hset(key, field, JSON.stringify({ ...entry, rank: 0, at: 0 }));
}

describe('what happened next', () => {
  it('shows each PipelineRun’s latest state, the pull request and the Slack thread the notifier recorded', async () => {
    const { cookie } = await consoleLogin(listener.admin);
    const eventID = await injectPush(listener.app, { sha: 'e'.repeat(40), message: 'next' });
    const page = () =>
      listener.admin.inject({ url: `/console/deliveries/${eventID}`, headers: { cookie, ...html } });
    expect((await page()).body).toContain('Nothing yet');

    await recordTrail(eventID, {
      'run:ci/always-x7k2p': {
        kind: 'run.failed',
        occurredAt: '2026-12-07T10:09:00.000Z',
        name: 'always-x7k2p',
        namespace: 'ci',
        pipeline: 'always',
        reason: 'Failed',
      },
      'pr:https://github.com/org/manifests/pull/12': {
        kind: 'manifest.pr_opened',
        occurredAt: '2026-12-07T10:13:00.000Z',
        url: 'https://github.com/org/manifests/pull/12',
        number: 12,
        repo: 'org/manifests',
      },
      'slack:C07A1B2C3D4': {
        kind: 'slack.thread',
        occurredAt: '2026-12-07T10:01:00.000Z',
        channel: 'C07A1B2C3D4',
        ts: '1765101660.000100',
        url: 'https://example.slack.com/archives/C07A1B2C3D4/p1765101660000100',
      },
      // Another service's writing: an address that is not http(s) is never a link.
      'pr:javascript:alert(1)': {
        kind: 'manifest.pr_updated',
        occurredAt: '2026-12-07T10:14:00.000Z',
        url: 'javascript:alert(1)',
      },
    });
    const body = (await page()).body;
    const section = body.slice(
      body.indexOf('<h2>What happened next</h2>'),
      body.indexOf('<h2>Triggers</h2>'),
    );
    expect(section).toContain('ci/always-x7k2p');
    expect(section).toMatch(/<td class="bad">failed: Failed<\/td>/);
    expect(section).toContain(
      '<a href="https://github.com/org/manifests/pull/12" rel="noreferrer noopener">org/manifests #12</a>',
    );
    expect(section).toContain(
      '<a href="https://example.slack.com/archives/C07A1B2C3D4/p1765101660000100" rel="noreferrer noopener">',
    );
    expect(section).not.toContain('href="javascript:');
    // Oldest first: the thread, the run, then the pull requests.
    expect(section.indexOf('Slack thread')).toBeLessThan(section.indexOf('always-x7k2p'));
    expect(section.indexOf('always-x7k2p')).toBeLessThan(section.indexOf('org/manifests #12'));
  });
});
