import { deterministicName, type RunJob, runFailureLine } from '@signalbox/contracts';
import { redisForTest } from '@signalbox/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestListener, type TestListener } from '../build-test-listener.ts';
import { consoleConfig, injectPush } from './console-config.ts';
import { consoleLogin } from './console-login.ts';
import { failWaitingRuns } from './fail-waiting-runs.ts';

const { url, prefix } = redisForTest(import.meta.url);
let listener: TestListener;

const nameOf = (run: RunJob) =>
  deterministicName(run.resource as { metadata?: { generateName?: string } }, {
    eventId: run.correlation.eventId,
    trigger: run.correlation.trigger,
    index: run.index,
  });

beforeAll(async () => {
  listener = await buildTestListener({ redisUrl: url, prefix, config: consoleConfig });
});
afterAll(() => listener.close());

describe('a delivery’s runs on its page', () => {
  it('each trigger shows its own run; of a dead-lettered runs job, the refused run its own error and the created one completed', async () => {
    // A push to develop fires `build` and `always`: two PipelineRuns, one runs job.
    const eventID = await injectPush(listener.app, {
      sha: 'd'.repeat(40),
      message: 'two runs',
      ref: 'refs/heads/develop',
    });
    // The run-scheduler's dead letter when `always` was refused for good and `build` created.
    await failWaitingRuns({
      redisUrl: url,
      prefix,
      runs: listener.producers.runs.queue,
      reason: (runs) =>
        runs
          .filter((run) => run.correlation.trigger === 'always')
          .map(
            (run) =>
              `KUBE_403: ${runFailureLine({ name: nameOf(run), trigger: 'always', index: run.index, status: 403, message: 'pipelineruns.tekton.dev is forbidden' })}`,
          )
          .join('; '),
      count: 1,
    });

    const { cookie } = await consoleLogin(listener.admin);
    const page = await listener.admin.inject({
      url: `/console/deliveries/${eventID}`,
      headers: { cookie, accept: 'text/html' },
    });
    const section = (trigger: string) => {
      const start = page.body.indexOf(`aria-labelledby="v-${trigger}"`);
      return page.body.slice(start, page.body.indexOf('</section>', start));
    };
    const build = section('build');
    const always = section('always');
    expect(build.match(/<tr><td>PipelineRun<\/td>/g)).toHaveLength(1);
    expect(always.match(/<tr><td>PipelineRun<\/td>/g)).toHaveLength(1);
    expect(build).toMatch(/<td class="mono">build-[a-z0-9]+<\/td>/);
    expect(build).not.toContain('always-');
    expect(build).toContain('<td class="">completed</td>');
    expect(always).toMatch(
      /<td class="bad">failed: KUBE_403: pipelineruns.tekton.dev is forbidden \(run always-[a-z0-9]+, trigger always, resource 0, HTTP 403\)<\/td>/,
    );
    expect(always).not.toContain('build-');
  });
});
