import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { harborEventTypes } from '../../src/interceptors/harbor-interceptor.ts';
import { deliver, engineFor, sign } from './helpers.ts';

const examples = createRequire(import.meta.url)('@octokit/webhooks-examples') as Array<{
  name: string;
  examples: unknown[];
}>;
const harborDir = new URL('../fixtures/harbor/', import.meta.url);

const files = {
  'listeners.yaml': `apiVersion: triggers.tekton.dev/v1beta1
kind: EventListener
metadata: {name: github}
spec:
  triggers:
    - name: catch-all
      interceptors:
        - ref: {name: github}
          params:
            - name: secretRef
              value: {secretName: gh, secretKey: token}
            - name: addChangedFiles
              value: {enabled: true}
        - ref: {name: cel}
          params:
            - name: filter
              value: "has(body.sender) || !has(body.sender)"
            - name: overlays
              value:
                - key: event
                  expression: "header.canonical('X-GitHub-Event')"
                - key: repo
                  expression: "has(body.repository) && body.repository != null ? body.repository.full_name : ''"
      bindings:
        - {name: event, value: $(extensions.event)}
        - {name: repo, value: $(extensions.repo)}
      template:
        spec:
          params: [{name: event}, {name: repo}]
          resourcetemplates:
            - apiVersion: v1
              kind: ConfigMap
              metadata: {generateName: ev-}
              data: {event: $(tt.params.event), repo: $(tt.params.repo)}
---
apiVersion: triggers.tekton.dev/v1beta1
kind: EventListener
metadata: {name: harbor}
spec:
  triggers:
    - name: any-harbor
      interceptors:
        - ref: {name: harbor}
          params:
            - name: secretRef
              value: {secretName: harbor, secretKey: auth}
        - ref: {name: cel}
          params:
            - name: filter
              value: "extensions.harbor.type != ''"
      bindings:
        - {name: type, value: $(extensions.harbor.type)}
        - {name: tag, value: $(extensions.harbor.tag)}
      template:
        spec:
          params: [{name: type}, {name: tag}]
          resourcetemplates:
            - apiVersion: signalbox.dev/v1alpha1
              kind: Notification
              spec: {kind: image.pushed, data: {type: $(tt.params.type), tag: $(tt.params.tag)}}
`,
};
const auth = 'Bearer 3c1e2f0d9b7a4e6c8d5f1a2b3c4d5e6f';
// The GitHub API seam (pull request files) in memory; octokit-github-files.test.ts drives the real client.
const github = { listPullRequestFiles: async () => ['src/a.ts'] };
const engine = engineFor(files, { 'gh/token': 'topsecret', 'harbor/auth': auth }, github);

describe('every @octokit/webhooks-examples payload through a github + CEL trigger', () => {
  const cases = examples.flatMap((e) =>
    e.examples.map((payload, i) => [`${e.name} #${i}`, e.name, payload] as const),
  );
  it('covers the whole corpus', () => expect(cases.length).toBeGreaterThanOrEqual(329));
  it.each(cases)('%s fires', async (_label, event, payload) => {
    const raw = Buffer.from(JSON.stringify(payload));
    const result = await deliver(engine, 'github', payload, {
      'X-GitHub-Event': event,
      'X-Hub-Signature-256': sign('topsecret', raw),
      'Content-Type': 'application/json',
    });
    expect(result.triggers[0]).toMatchObject({ fired: true, authenticated: true });
    const data = (result.triggers[0]!.resources![0]!.object as { data: { event: string } }).data;
    expect(data.event).toBe(event);
  });
});

describe('every Harbor fixture (Default and CloudEvents) through a harbor + CEL trigger', () => {
  const fixtures = [
    ...readdirSync(harborDir).filter((f) => f.endsWith('.json') && !f.includes('headers')),
    ...readdirSync(new URL('cloudevents/', harborDir))
      .filter((f) => !f.includes('headers'))
      .map((f) => `cloudevents/${f}`),
  ];
  /** Harbor's own request headers where the fixtures have them, else those it sends for the format. */
  const headersFor = (file: string): Record<string, string> => {
    const own = new URL(file.replace(/\.json$/, '.headers.json'), harborDir);
    if (existsSync(own))
      return (JSON.parse(readFileSync(own, 'utf8')) as { headers: Record<string, string> }).headers;
    return {
      Authorization: auth,
      'Content-Type': file.startsWith('cloudevents/') ? 'application/cloudevents+json' : 'application/json',
      'User-Agent': 'Go-http-client/1.1',
    };
  };
  it('covers both formats', () => expect(fixtures.length).toBe(15));
  it.each(fixtures)('%s fires with the auth header and reads its type', async (file) => {
    const body = JSON.parse(readFileSync(new URL(file, harborDir), 'utf8')) as { type: string };
    // Harbor sends compact JSON (Go encoding/json); the fixtures are pretty-printed.
    const compact = JSON.stringify(body);
    const headers = headersFor(file);
    const result = await deliver(engine, 'harbor', compact, headers);
    expect(result.triggers[0]).toMatchObject({ fired: true, authenticated: true });
    const type = (result.triggers[0]!.extensions as { harbor: { type: string } }).harbor.type;
    expect(file.startsWith('cloudevents/') ? harborEventTypes[type] : type).toBe(body.type);
    const rejected = await deliver(engine, 'harbor', compact, { ...headers, Authorization: 'Bearer wrong' });
    expect(rejected).toMatchObject({
      authenticated: false,
      triggers: [{ fired: false, reason: expect.stringMatching(/Authorization does not match/) }],
    });
  });
  it('the body Harbor sends to Slack (not strict JSON) is refused as a bad body, not an exception', async () => {
    const raw = readFileSync(new URL('slack-notify-type/PUSH_ARTIFACT.slack-body.txt', harborDir));
    await expect(
      engine.evaluate(
        'harbor',
        {
          method: 'POST',
          url: '/hooks/harbor',
          headers: { 'content-type': 'application/json', authorization: auth },
          rawBody: raw,
        },
        { eventID: 'slack' },
      ),
    ).rejects.toMatchObject({ name: 'BodyError', code: 'INVALID_BODY' });
  });
  it('a push by digest exposes no tag (the digest is not a tag)', async () => {
    const body = JSON.parse(readFileSync(new URL('PUSH_ARTIFACT.by-digest.json', harborDir), 'utf8'));
    const result = await deliver(engine, 'harbor', body, {
      Authorization: auth,
      'Content-Type': 'application/json',
    });
    expect(result.triggers[0]?.extensions).toMatchObject({
      harbor: { type: 'PUSH_ARTIFACT', tag: '', digest: expect.stringMatching(/^sha256:/) },
    });
  });
  it('CloudEvents and Default pushes normalise to the same extensions.harbor', async () => {
    const read = (f: string) => JSON.parse(readFileSync(new URL(f, harborDir), 'utf8'));
    const a = await deliver(engine, 'harbor', read('PUSH_ARTIFACT.json'), {
      Authorization: auth,
      'Content-Type': 'application/json',
    });
    const b = await deliver(engine, 'harbor', read('cloudevents/PUSH_ARTIFACT.cloudevents.json'), {
      Authorization: auth,
      'Content-Type': 'application/cloudevents+json',
    });
    expect(b.triggers[0]?.extensions).toEqual(a.triggers[0]?.extensions);
    expect(a.triggers[0]?.extensions).toMatchObject({
      harbor: { image: 'harbor.example.com/team-a/api', tag: '1.4.2', repository: 'team-a/api' },
    });
  });
});
