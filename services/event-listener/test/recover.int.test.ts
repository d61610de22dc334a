import { Octokit } from '@octokit/rest';
import { createRedis } from '@signalbox/runtime';
import { type FakeHookDelivery, type GitHubFake, redisForTest, startGitHubFake } from '@signalbox/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeliveryLedger } from '../src/delivery-ledger.ts';
import { recoverMissedDeliveries } from '../src/recover-missed-deliveries.ts';
import { buildTestListener, sign } from './build-test-listener.ts';
import { recordDeliveries } from './record-deliveries.ts';

const { url, prefix } = redisForTest(import.meta.url);
let github: GitHubFake;
const redis = createRedis(url, { forWorker: true });
beforeAll(async () => {
  github = await startGitHubFake({ token: 'ghp_recover' });
});
afterAll(async () => {
  await github.close();
  redis.disconnect();
});

const delivery = (id: number, guid: string, minutesAgo: number, status_code: number): FakeHookDelivery => ({
  id,
  guid,
  delivered_at: new Date(Date.now() - minutesAgo * 60_000).toISOString(),
  redelivery: false,
  duration: 0.1,
  status: status_code ? `${status_code}` : 'Invalid HTTP Response: 503',
  status_code,
  event: 'push',
  action: null,
  installation_id: null,
  repository_id: 1,
});

describe('missed-delivery recovery', () => {
  it('redelivers only what failed, is not in the ledger, and is recent', async () => {
    const ledger = new DeliveryLedger(redis, {
      prefix,
      ttlSeconds: 3600,
      maxRecords: 100,
      dedupWindowSeconds: 3600,
    });
    await recordDeliveries(
      redis,
      ledger,
    )([
      {
        record: {
          eventID: 'e-accepted',
          deliveryId: 'guid-timeout-but-accepted',
          listener: 'github',
          receivedAt: new Date().toISOString(),
          contentType: 'application/json',
          headers: {},
          bodyBytes: 2,
          verdicts: [],
          jobIds: [],
        },
        body: Buffer.from('{}'),
      },
    ]);
    // Newest first, as GitHub lists them; 150 old successes force a second page.
    github.hookDeliveries.set('org/app/42', [
      delivery(10, 'guid-failed', 5, 503),
      delivery(11, 'guid-failed-then-ok', 6, 200),
      delivery(12, 'guid-failed-then-ok', 7, 502),
      delivery(13, 'guid-timeout-but-accepted', 8, 0),
      delivery(14, 'guid-listener-down', 20, 0),
      delivery(15, 'guid-listener-down', 30, 0),
      ...Array.from({ length: 150 }, (_v, i) => delivery(100 + i, `guid-ok-${i}`, 40 + i / 10, 202)),
      delivery(999, 'guid-too-old', 60 * 5, 503),
    ]);
    const octokit = new Octokit({ baseUrl: github.url, auth: 'ghp_recover' });
    const since = new Date(Date.now() - 2 * 3600_000);
    const report = await recoverMissedDeliveries({
      octokit,
      accepted: (guid: string) => ledger.knows(guid),
      owner: 'org',
      repo: 'app',
      hookId: 42,
      since,
    });
    expect(report.redelivered.sort()).toEqual(['guid-failed', 'guid-listener-down']);
    expect(report.alreadyAccepted).toEqual(['guid-timeout-but-accepted']);
    expect(report.checked).toBe(154);
    // The latest attempt of each GUID is the one redelivered.
    expect(github.redeliveries.sort()).toEqual(['org/app/42/10', 'org/app/42/14']);
    const pages = github.requests.filter((r) => r.path.startsWith('/repos/org/app/hooks/42/deliveries?'));
    expect(pages.length).toBe(2);
  });
});

describe('missed-delivery recovery, end to end', () => {
  it('GitHub redelivers what the listener missed; it lands once, and a second run finds nothing to do', async () => {
    const listener = await buildTestListener({ redisUrl: url, prefix: `${prefix}:e2e` });
    try {
      const address = await listener.app.listen({ port: 0, host: '127.0.0.1' });
      github.hooks.set('org/site/7', { url: `${address}/hooks/github` });
      const sent = (id: number, guid: string, minutesAgo: number): FakeHookDelivery => {
        const payload = JSON.stringify({ ref: 'refs/heads/main', after: `sha-${id}`, commits: [] });
        return {
          ...delivery(id, guid, minutesAgo, 0),
          request: {
            headers: {
              'content-type': 'application/json',
              'x-github-event': 'push',
              'x-hub-signature-256': sign(payload),
              'user-agent': 'GitHub-Hookshot/abc123',
            },
            payload,
          },
        };
      };
      // The listener was down for these two (GitHub got no response: status_code 0).
      github.hookDeliveries.set('org/site/7', [sent(2, 'guid-down-2', 5), sent(1, 'guid-down-1', 6)]);
      const octokit = new Octokit({ baseUrl: github.url, auth: 'ghp_recover' });
      const args = {
        octokit,
        accepted: (guid: string) => listener.ledger.knows(guid),
        owner: 'org',
        repo: 'site',
        hookId: 7,
        since: new Date(Date.now() - 3600_000),
      };
      const first = await recoverMissedDeliveries(args);
      expect(first.redelivered.sort()).toEqual(['guid-down-1', 'guid-down-2']);
      await github.settled();
      // GitHub lists each redelivery as a new, successful attempt of the same GUID.
      const attempts = github.hookDeliveries.get('org/site/7') ?? [];
      expect(attempts.filter((d) => d.redelivery).map((d) => [d.guid, d.status_code, d.status])).toEqual(
        expect.arrayContaining([
          ['guid-down-1', 202, 'OK'],
          ['guid-down-2', 202, 'OK'],
        ]),
      );
      expect(await listener.ledger.knows('guid-down-1')).toBe(true);
      expect((await listener.counts()).runs).toBe(2);

      const second = await recoverMissedDeliveries(args);
      expect(second).toEqual({ checked: 2, redelivered: [], alreadyAccepted: [] });
      expect((await listener.counts()).runs).toBe(2);
    } finally {
      await listener.close();
    }
  });
});
