import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  channel,
  digestOf,
  harborDelivery,
  namespace,
  post,
  pushDelivery,
  type Stack,
  startStack,
  until,
} from './stack.ts';

/**
 * The examples' seed flow through the four services as separate processes, a real Redis with AOF
 * and the Kubernetes, GitHub and Slack fakes.
 */
const manifests = {
  'apps/api/overlays/prod/kustomization.yaml':
    'resources:\n  - ../../base\nimages:\n  - name: harbor.example.com/team-a/api\n    newTag: 0000000 # keep this comment\n',
  'apps/api/base/deployment.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\n',
};

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ manifests });
}, 90_000);
afterAll(async () => {
  await stack?.close();
});

describe('the seed flow, four processes end to end', () => {
  it('push to develop → PipelineRun → statuses → one Slack thread; Harbor push + scan of the short-sha tag → manifest PR → the same thread; the bot’s [Update manifest] push → no PipelineRun', async () => {
    const { kube, github, slack, port } = stack;
    // A real commit on the fake, so GitHub accepts commit statuses for it.
    const sha = await github.pushCommit(
      'org',
      'team-a',
      'develop',
      { 'microservices/api/login.ts': 'x\n' },
      'fix: login',
    );
    const shortSha = sha.slice(0, 7);
    const push = pushDelivery(sha);
    const accepted = await post(port, 'github', push.raw, push.headers);
    expect(accepted.status).toBe(202);
    const ciApi = accepted.body.triggers?.find((t) => t.name === 'ci-api');
    expect(ciApi?.fired).toBe(true);
    expect(accepted.body.triggers?.find((t) => t.name === 'ci-web')?.fired).toBe(false);
    const runName = ciApi?.resources?.[0]?.name;
    expect(runName).toMatch(/^build-api-[a-z0-9]+$/);

    const run = await until('the PipelineRun', () =>
      kube.objects({ plural: 'pipelineruns', namespace }).find((o) => o.metadata.name === runName),
    );
    expect(run.kind).toBe('PipelineRun');
    expect(run.metadata.labels?.['triggers.tekton.dev/triggers-eventid']).toBe(accepted.body.eventID);
    expect(run.metadata.labels?.['triggers.tekton.dev/trigger']).toBe('ci-api');
    expect((run.spec as { params: Array<{ name: string; value: string }> }).params).toContainEqual({
      name: 'image-tag',
      value: shortSha,
    });

    // The run starts, then succeeds, as Tekton's controller would report it.
    const startTime = new Date().toISOString();
    kube.setStatus(namespace, 'pipelineruns', runName!, {
      startTime,
      conditions: [
        { type: 'Succeeded', status: 'Unknown', reason: 'Running', message: 'Tasks Completed: 0' },
      ],
    });
    await until(
      'the pending commit status',
      () => github.statuses.find((s) => s.sha === sha && s.state === 'pending'),
      30_000,
      () => `${stack.logs()}\n${JSON.stringify(github.requests.map((r) => [r.method, r.path, r.status]))}`,
    );
    kube.setStatus(namespace, 'pipelineruns', runName!, {
      startTime,
      completionTime: new Date().toISOString(),
      conditions: [{ type: 'Succeeded', status: 'True', reason: 'Succeeded', message: 'Tasks Completed: 3' }],
    });
    const success = await until(
      'the success commit status',
      () => github.statuses.find((s) => s.sha === sha && s.state === 'success'),
      60_000,
      stack.logs,
    );
    expect(success.context).toBe('build-and-push');
    expect(success.targetUrl).toBe(
      `https://tekton.example.com/#/namespaces/${namespace}/pipelineruns/${runName}`,
    );
    const parent = await until('the Slack parent', () => slack.messages(channel)[0], 60_000, stack.logs);
    await until('the run.succeeded reply', () => slack.replies(channel, parent.ts).length >= 1);

    // Harbor: the image built from that commit (tag = the short sha), then its clean scan.
    const digest = digestOf(42);
    const image = 'harbor.example.com/team-a/api';
    for (const fixture of ['PUSH_ARTIFACT.json', 'SCANNING_COMPLETED.no-vulnerabilities.json'] as const) {
      const h = harborDelivery(fixture, image, shortSha, digest);
      expect((await post(port, 'harbor', h.raw, h.headers)).status).toBe(202);
    }
    const pr = await until('the manifest PR', () => github.pulls('org', 'manifests')[0], 60_000, stack.logs);
    expect(pr.title).toBe(`[Update manifest] ${image}:${shortSha}`);
    expect(
      await github.readFile(
        'org',
        'manifests',
        'signalbox/team-a-api-main',
        'apps/api/overlays/prod/kustomization.yaml',
      ),
    ).toBe(manifests['apps/api/overlays/prod/kustomization.yaml'].replace('0000000', shortSha));
    // The image, its scan and its PR join the commit's thread: still one parent, more replies.
    await until(
      'the image and PR replies in the commit’s thread',
      () => {
        const texts = slack.replies(channel, parent.ts).map((m) => m.text);
        return texts.some((t) => t.includes('pr_opened') || /pull request|PR/i.test(t)) && texts.length >= 3;
      },
      60_000,
      () =>
        JSON.stringify(
          slack.replies(channel, parent.ts).map((m) => m.text),
          null,
          1,
        ),
    );
    expect(slack.messages(channel)).toHaveLength(1);

    // The bot's own commit: accepted, explained, and nothing built.
    const runsBefore = kube.objects({ plural: 'pipelineruns', namespace }).length;
    const bot = pushDelivery('a'.repeat(40), {
      message: `[Update manifest] ${image}:${shortSha}`,
      files: ['microservices/api/deploy.yaml'],
    });
    const botAnswer = await post(port, 'github', bot.raw, bot.headers);
    expect(botAnswer.status).toBe(202);
    for (const t of botAnswer.body.triggers ?? []) {
      expect(t.fired).toBe(false);
      expect(t.reason).toBeTruthy();
    }
    await new Promise((r) => setTimeout(r, 1_500)); // anything the run-scheduler might still create
    expect(kube.objects({ plural: 'pipelineruns', namespace })).toHaveLength(runsBefore);
    expect(github.pulls('org', 'manifests')).toHaveLength(1);
    expect(slack.messages(channel)).toHaveLength(1);
  });
});
