import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.ts';
import { createTriggerEngine } from '../../src/engine/create-trigger-engine.ts';
import { fileSecretStore } from '../../src/secrets/file-secret-store.ts';
import { deliver, sign } from './helpers.ts';

// The config and secrets `npm start` runs with.
const configDir = fileURLToPath(new URL('../../../../examples/config/', import.meta.url));
const secretsDir = fileURLToPath(new URL('../../../../examples/secrets/', import.meta.url));
const githubSecret = readFileSync(`${secretsDir}/github-webhook/token`, 'utf8').trim();
const harborAuth = readFileSync(`${secretsDir}/harbor-webhook/auth-header`, 'utf8').trim();

const examples = createRequire(import.meta.url)('@octokit/webhooks-examples') as Array<{
  name: string;
  examples: Record<string, unknown>[];
}>;
const octokitPush = examples
  .find((e) => e.name === 'push')
  ?.examples.find((p) => Array.isArray(p.commits) && p.commits.length > 0) as {
  commits: { message: string }[];
  repository: { full_name: string };
  after: string;
};

const loaded = loadConfig(configDir);
const engine = (() => {
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
  return createTriggerEngine(loaded.config, { secrets: fileSecretStore(secretsDir) });
})();

const pushTo = (ref: string, message: string | undefined) => ({
  ...octokitPush,
  ref,
  commits: message === undefined ? [] : [{ ...octokitPush.commits[0], message }],
});
const github = (body: unknown) =>
  deliver(engine, 'github', body, {
    'X-GitHub-Event': 'push',
    'X-Hub-Signature-256': sign(githubSecret, Buffer.from(JSON.stringify(body))),
    'Content-Type': 'application/json',
  });

describe('examples/config (what npm start runs)', () => {
  it('loads', () => {
    expect(loaded.ok).toBe(true);
    if (!loaded.ok) return;
    expect([...loaded.config.listeners.keys()]).toEqual(['github', 'harbor']);
    expect(loaded.config.imageUpdatePolicies.map((p) => p.name)).toEqual(['team-a-api']);
    expect(loaded.config.slackRoutes[0]?.when?.source).toBe("notification.correlation.repo == 'org/team-a'");
  });

  it('seed filter: a push to develop renders a PipelineRun in one concurrency group per repo and branch', async () => {
    const body = pushTo('refs/heads/develop', 'feat: faster builds');
    const result = await github(body);
    const [verdict] = result.triggers;
    expect(verdict).toMatchObject({ name: 'ci-develop', fired: true, authenticated: true });
    const [run] = verdict?.resources ?? [];
    expect(run).toMatchObject({
      route: 'run',
      namespace: 'team-a-ci',
      concurrency: {
        group: `${octokitPush.repository.full_name}-refs/heads/develop`,
        limit: 1,
        policy: 'cancel-in-progress',
      },
      object: {
        apiVersion: 'tekton.dev/v1',
        kind: 'PipelineRun',
        metadata: {
          generateName: 'build-',
          labels: {
            'app.kubernetes.io/part-of': 'team-a',
            'triggers.tekton.dev/eventlistener': 'github',
            'triggers.tekton.dev/trigger': 'ci-develop',
          },
        },
      },
    });
    const params = (run!.object as { spec: { params: { name: string; value: string }[] } }).spec.params;
    expect(params.find((p) => p.name === 'image-tag')?.value).toBe(body.after.slice(0, 7));
    expect(verdict?.extensions).toHaveProperty('changed_files');
  });

  it('seed filter: the manifest bot’s own commit does not build (no loop)', async () => {
    const result = await github(pushTo('refs/heads/develop', '[Update manifest] api 1.4.2'));
    expect(result.authenticated).toBe(true);
    expect(result.triggers[0]).toMatchObject({
      fired: false,
      reason: expect.stringMatching(/did not return true/),
    });
  });

  it('seed filter: a push without commits is an evaluation error, so nothing fires', async () => {
    const result = await github(pushTo('refs/heads/develop', undefined));
    expect(result.triggers[0]).toMatchObject({
      fired: false,
      stage: 'interceptor',
      reason: expect.stringMatching(/^interceptor cel: filter error: /),
    });
  });

  it('harbor: a tag push renders an ImageUpdate and a Notification; a push by digest renders nothing', async () => {
    const fixture = (name: string) =>
      JSON.parse(readFileSync(new URL(`../fixtures/harbor/${name}`, import.meta.url), 'utf8')) as unknown;
    const headers = { Authorization: harborAuth, 'Content-Type': 'application/json' };
    const pushed = await deliver(engine, 'harbor', fixture('PUSH_ARTIFACT.json'), headers);
    const resources = pushed.triggers[0]?.resources ?? [];
    expect(resources.map((r) => [r.route, (r.object as { kind: string }).kind])).toEqual([
      ['image-update', 'ImageUpdate'],
      ['notification', 'Notification'],
    ]);
    expect((resources[0]!.object as { spec: object }).spec).toEqual({
      image: 'harbor.example.com/team-a/api',
      tag: '1.4.2',
      digest: 'sha256:a5ec79f9218c99e185579d212099a4d394d5942a1097e7136e36f781bd9ef24a',
      event: 'PUSH_ARTIFACT',
      severity: '',
    });
    const byDigest = await deliver(engine, 'harbor', fixture('PUSH_ARTIFACT.by-digest.json'), headers);
    expect(byDigest.triggers[0]).toMatchObject({ fired: false, authenticated: true });
  });
});
