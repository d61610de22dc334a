import { redisForTest } from '@signalbox/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueStats } from '../../src/console/queue-stats.ts';
import { buildTestListener, type TestListener } from '../build-test-listener.ts';
import { consoleConfig, injectPush } from './console-config.ts';
import { consoleLogin } from './console-login.ts';
import { failWaitingRuns } from './fail-waiting-runs.ts';

const { url, prefix } = redisForTest(import.meta.url);
let listener: TestListener;

const login = () => consoleLogin(listener.admin);

beforeAll(async () => {
  listener = await buildTestListener({ redisUrl: url, prefix, config: consoleConfig });
  for (let n = 0; n < 3; n++)
    await injectPush(listener.app, { sha: String(n).repeat(40), message: `dl${n}` });
  // A cluster that refuses every run: each push's PipelineRun (trigger `always`) ends as a dead letter.
  const runs = listener.producers.runs.queue;
  await failWaitingRuns({
    redisUrl: url,
    prefix,
    runs,
    reason: 'KUBE_422: spec.params: Invalid value',
    count: 3,
  });
});
afterAll(() => listener.close());

describe('dead letters and queues', () => {
  it('counts failed jobs per queue and in the last minute', async () => {
    const stats = await queueStats(listener.redis, [listener.producers.runs.queue], Date.now());
    expect(stats).toEqual([
      expect.objectContaining({
        name: 'signalbox-runs',
        counts: expect.objectContaining({ failed: 3, waiting: 0 }),
        failedPerMinute: 3,
        completedPerMinute: 0,
      }),
    ]);
  });

  it('lists them with the Kubernetes error, retries all, and says so when a retried one is asked again', async () => {
    const { cookie, csrf } = await login();
    const runs = listener.producers.runs.queue;
    const [first] = await runs.getFailed(0, 0);
    const page = await listener.admin.inject({ url: '/console/dead-letters', headers: { cookie } });
    expect(page.body.match(/Kubernetes:<\/strong> KUBE_422: spec.params: Invalid value/g)).toHaveLength(3);
    const all = await listener.admin.inject({
      method: 'POST',
      url: '/console/dead-letters/retry-all',
      headers: { cookie },
      payload: { _csrf: csrf },
    });
    expect(all.headers.location).toBe('/console/dead-letters?done=retried-all');
    expect(await runs.getFailedCount()).toBe(0);
    expect(await runs.getWaitingCount()).toBe(3);
    const again = await listener.admin.inject({
      method: 'POST',
      url: '/console/dead-letters/retry',
      headers: { cookie },
      payload: { _csrf: csrf, queue: 'signalbox-runs', jobId: String(first?.id) },
    });
    expect(again.headers.location).toBe('/console/dead-letters?done=gone');
  });
});
