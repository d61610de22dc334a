import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { parseBindingValue, resolveBindingValue } from '../../src/bindings/binding-value.ts';
import { deliver, engineFor, sign } from './helpers.ts';

const event = {
  body: {
    a: { b: 'c' },
    list: [
      { name: 'x', n: 1 },
      { name: 'y', n: 2 },
      { name: 'z', n: 3 },
    ],
    labels: { 'app.kubernetes.io/name': 'api' },
    msg: 'say "hi" <b>&\n',
    num: 42,
    obj: { d: 'e' },
    nul: null,
  },
  header: { 'X-Foo-Bar': 'a,b', 'Content-Type': 'application/json' },
  extensions: { short_sha: 'abc1234', nested: { k: 'v' } },
  context: { eventID: 'ev-1' },
};
const bind = (value: string) => resolveBindingValue(parseBindingValue(value), event);

describe('bindings: Tekton’s relaxed JSONPath (reference §3)', () => {
  it('reads body paths in every accepted spelling, with static text around several expressions', () => {
    expect(bind('$(body.a.b)')).toBe('c');
    expect(bind('$(.body.a.b)')).toBe('c');
    expect(bind('$({.body.a.b})')).toBe('c');
    expect(bind('$(body.a.b)-$(body.num): done')).toBe('c-42: done');
    expect(bind('$($(body.a.b))')).toBe('c');
  });
  it('indexes, slices, wildcards and filters', () => {
    expect(bind('$(body.list[1].name)')).toBe('y');
    expect(bind('$(body.list[-1].name)')).toBe('z');
    expect(bind('$(body.list[0:2].name)')).toBe('["x","y"]');
    expect(bind('$(body.list[*].n)')).toBe('[1,2,3]');
    expect(bind("$(body.list[?(@.name == 'y')].n)")).toBe('2');
    expect(bind('$(body.list[?(@.n > 1)].name)')).toBe('["y","z"]');
  });
  it('escapes keys containing dots and slashes with a backslash', () => {
    expect(bind('$(body.labels.app\\.kubernetes\\.io\\/name)')).toBe('api');
    expect(bind("$(body.labels['app.kubernetes.io/name'])")).toBe('api');
  });
  it('renders strings JSON-escaped without quotes (Go HTML-safe), others as compact JSON', () => {
    expect(bind('$(body.msg)')).toBe('say \\"hi\\" \\u003cb\\u003e\\u0026\\n');
    expect(bind('$(body.num)')).toBe('42');
    expect(bind('$(body.obj)')).toBe('{"d":"e"}');
    expect(bind('$(body.nul)')).toBe('null');
  });
  it('reads headers case-insensitively, comma-joined; extensions and context', () => {
    expect(bind('$(header.x-foo-bar)')).toBe('a,b');
    expect(bind('$(header.X-FOO-BAR)')).toBe('a,b');
    expect(bind('$(extensions.nested.k)')).toBe('v');
    expect(bind('$(context.eventID)')).toBe('ev-1');
  });
  it('a missing key is an error (the template default or a failed trigger decides)', () => {
    expect(() => bind('$(body.a.missing)')).toThrow(/not found/);
    expect(() => parseBindingValue('$(body.a')).toThrow(/unbalanced/);
    expect(() => parseBindingValue('$(bodyy.a)')).toThrow(/expected body, header, extensions or context/);
  });
});

const secrets = { 'gh/token': 'topsecret' };
const gh = (events = '[push, pull_request]') => `      interceptors:
        - ref: {name: github}
          params:
            - name: secretRef
              value: {secretName: gh, secretKey: token}
            - name: eventTypes
              value: ${events}
`;
const pipelineTemplate = `---
apiVersion: triggers.tekton.dev/v1beta1
kind: TriggerTemplate
metadata:
  name: pipeline-template
spec:
  params:
    - name: gitrevision
      description: The git revision
      default: main
    - name: gitrepositoryurl
    - name: message
      default: none
  resourcetemplates:
    - apiVersion: tekton.dev/v1
      kind: PipelineRun
      metadata:
        generateName: simple-pipeline-run-
        namespace: builds
      spec:
        pipelineRef:
          name: simple-pipeline
        params:
          - name: message
            value: $(tt.params.message)
          - name: revision
            value: $(tt.params.gitrevision)
          - name: url
            value: $(tt.params.gitrepositoryurl)
          - name: uid
            value: $(uid)
`;
const githubListener = `apiVersion: triggers.tekton.dev/v1beta1
kind: EventListener
metadata:
  name: github-listener
  namespace: ci
spec:
  triggers:
    - name: github-listener
${gh()}        - ref:
            name: cel
          params:
            - name: filter
              value: "body.ref.startsWith('refs/heads/') && header.match('X-GitHub-Event', 'push')"
            - name: overlays
              value:
                - key: truncated_sha
                  expression: "body.head_commit.id.truncate(7)"
                - key: branch.name
                  expression: "body.ref.split('/')[2]"
      bindings:
        - name: gitrevision
          value: $(extensions.truncated_sha)
        - name: gitrepositoryurl
          value: $(body.repository.clone_url)
        - name: message
          value: $(body.head_commit.message)
      template:
        ref: pipeline-template
${pipelineTemplate}`;

const push = {
  ref: 'refs/heads/main',
  head_commit: { id: '6113728f27ae82c7b1a177c8d03f9e96e0adf246', message: 'use $(params.secret) "quoted"' },
  repository: { clone_url: 'https://github.com/org/app.git' },
};
const headersFor = (body: unknown, event = 'push', secret = 'topsecret') => ({
  'X-GitHub-Event': event,
  'X-Hub-Signature-256': sign(secret, Buffer.from(JSON.stringify(body))),
  'Content-Type': 'application/json',
});

describe('Tekton docs: the GitHub EventListener with CEL overlays', () => {
  const engine = engineFor({ 'el.yaml': githubListener }, secrets);

  it('fires on a signed push, rendering overlays, bindings, $(uid), labels and the template namespace', async () => {
    const result = await deliver(engine, 'github-listener', push, headersFor(push), 'ev-42');
    const [verdict] = result.triggers;
    expect(result.authenticated).toBe(true);
    expect(verdict).toMatchObject({ name: 'github-listener', fired: true, authenticated: true });
    expect(verdict?.extensions).toEqual({ truncated_sha: '6113728', branch: { name: 'main' } });
    const run = verdict?.resources?.[0];
    expect(run?.namespace).toBe('builds');
    expect(run?.route).toBe('run');
    const object = run?.object as {
      metadata: { labels: Record<string, string> };
      spec: { params: { name: string; value: string }[] };
    };
    expect(object.metadata.labels).toEqual({
      'triggers.tekton.dev/eventlistener': 'github-listener',
      'triggers.tekton.dev/trigger': 'github-listener',
      'triggers.tekton.dev/triggers-eventid': 'ev-42',
    });
    const params = Object.fromEntries(object.spec.params.map((p) => [p.name, p.value]));
    expect(params.revision).toBe('6113728');
    expect(params.url).toBe('https://github.com/org/app.git');
    // Event text is never re-interpreted: $( becomes $$( and quotes stay escaped.
    expect(params.message).toBe('use $$(params.secret) "quoted"');
    expect(params.uid).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses a wrong or missing signature, naming why, and is not authenticated', async () => {
    const wrong = await deliver(engine, 'github-listener', push, headersFor(push, 'push', 'guess'));
    expect(wrong.authenticated).toBe(false);
    expect(wrong.triggers[0]).toMatchObject({
      fired: false,
      stage: 'interceptor',
      reason: expect.stringMatching(/github: X-Hub-Signature-256 does not match/),
    });
    const { 'X-Hub-Signature-256': _, ...unsigned } = headersFor(push);
    const missing = await deliver(engine, 'github-listener', push, unsigned);
    expect(missing.triggers[0]?.reason).toMatch(/no X-Hub-Signature-256 header/);
  });

  it('filters by event type once the signature is verified, and by the CEL filter after that', async () => {
    const ping = await deliver(engine, 'github-listener', push, headersFor(push, 'ping'));
    expect(ping.triggers[0]?.reason).toMatch(/event type "ping" is not one of push, pull_request/);
    // Signed, so the listener acknowledges it (GitHub's hook-creation ping must not read as a 401).
    expect(ping.authenticated).toBe(true);
    const unsignedPing = await deliver(engine, 'github-listener', push, {
      'X-GitHub-Event': 'ping',
      'Content-Type': 'application/json',
    });
    expect(unsignedPing).toMatchObject({
      authenticated: false,
      triggers: [{ reason: 'interceptor github: no X-Hub-Signature-256 header' }],
    });
    const tag = { ...push, ref: 'refs/tags/v1' };
    const tagged = await deliver(engine, 'github-listener', tag, headersFor(tag));
    expect(tagged.authenticated).toBe(true);
    expect(tagged.triggers[0]?.reason).toMatch(/cel: filter .* did not return true/);
  });

  it('a binding that misses uses the template default; with no default the trigger fails with the binding named', async () => {
    const noMessage = { ...push, head_commit: { id: push.head_commit.id } };
    const withDefault = await deliver(engine, 'github-listener', noMessage, headersFor(noMessage));
    const params = (
      withDefault.triggers[0]!.resources![0]!.object as {
        spec: { params: { name: string; value: string }[] };
      }
    ).spec.params;
    expect(params.find((p) => p.name === 'message')?.value).toBe('none');
    const noRepo = { ...push, repository: {} };
    const failed = await deliver(engine, 'github-listener', noRepo, headersFor(noRepo));
    expect(failed.triggers[0]).toMatchObject({
      fired: false,
      stage: 'binding',
      reason: expect.stringMatching(/binding gitrepositoryurl: .*body\.repository\.clone_url.*not found/),
    });
  });
});

describe('Tekton docs: the pull_request CEL example, quirks included', () => {
  // docs/interceptors.md writes the overlay key as `extensions.truncated_sha`; overlays already
  // land in extensions, so Tekton (and Signalbox) read it as $(extensions.extensions.truncated_sha).
  const engine = engineFor(
    {
      'el.yaml': `apiVersion: triggers.tekton.dev/v1beta1
kind: EventListener
metadata: {name: pr}
spec:
  triggers:
    - name: pr
${gh('[pull_request]')}        - ref:
            name: "cel"
          params:
            - name: "filter"
              value: "header.match('X-GitHub-Event', 'pull_request') && body.action in ['opened', 'synchronize']"
            - name: "overlays"
              value:
                - key: extensions.truncated_sha
                  expression: "body.pull_request.head.sha.truncate(7)"
      bindings:
        - {name: sha, value: $(extensions.extensions.truncated_sha)}
        - {name: base, value: $(body.pull_request.base.ref)}
      template:
        spec:
          params: [{name: sha}, {name: base}]
          resourcetemplates:
            - apiVersion: tekton.dev/v1
              kind: PipelineRun
              metadata: {generateName: pr-}
              spec: {params: [{name: sha, value: $(tt.params.sha)}, {name: base, value: $(tt.params.base)}]}
`,
    },
    secrets,
  );
  const examples = createRequire(import.meta.url)('@octokit/webhooks-examples') as Array<{
    name: string;
    examples: { action?: string; pull_request?: { head: { sha: string }; base: { ref: string } } }[];
  }>;
  const opened = examples
    .find((e) => e.name === 'pull_request')
    ?.examples.find((p) => p.action === 'opened') as {
    pull_request: { head: { sha: string }; base: { ref: string } };
  };

  it('fires on an opened PR and binds the nested overlay', async () => {
    const result = await deliver(engine, 'pr', opened, headersFor(opened, 'pull_request'));
    expect(result.triggers[0]).toMatchObject({
      fired: true,
      extensions: { extensions: { truncated_sha: opened.pull_request.head.sha.slice(0, 7) } },
      params: { sha: opened.pull_request.head.sha.slice(0, 7), base: opened.pull_request.base.ref },
    });
  });
  it('does not fire on a closed PR', async () => {
    const closed = { ...opened, action: 'closed' };
    expect(
      (await deliver(engine, 'pr', closed, headersFor(closed, 'pull_request'))).triggers[0],
    ).toMatchObject({
      fired: false,
      reason: expect.stringMatching(/did not return true/),
    });
  });
});

describe('Tekton docs: triggerRef, labelSelector and triggerGroups', () => {
  const trigger = (name: string, labels: string) => `---
apiVersion: triggers.tekton.dev/v1beta1
kind: Trigger
metadata:
  name: ${name}
  namespace: ci
  labels: {${labels}}
spec:
${gh().replace(/^ {4}/gm, '')}  bindings:
    - name: gitrepositoryurl
      value: $(body.repository.clone_url)
  template:
    ref: pipeline-template
`;
  const files = {
    'triggers.yaml': `${trigger('by-ref', 'team: a')}${trigger('by-label', 'team: b')}${trigger('other', 'team: c')}${pipelineTemplate}`,
    'listeners.yaml': `apiVersion: triggers.tekton.dev/v1beta1
kind: EventListener
metadata: {name: refs, namespace: ci}
spec:
  triggers:
    - triggerRef: by-ref
---
apiVersion: triggers.tekton.dev/v1beta1
kind: EventListener
metadata: {name: labels, namespace: ci}
spec:
  labelSelector:
    matchExpressions:
      - {key: team, operator: In, values: [b, c]}
---
apiVersion: triggers.tekton.dev/v1beta1
kind: EventListener
metadata: {name: groups, namespace: ci}
spec:
  triggerGroups:
    - name: github-push
      interceptors:
        - ref: {name: cel}
          params:
            - name: overlays
              value:
                - {key: group, expression: "'github-push'"}
      triggerSelector:
        labelSelector:
          matchLabels: {team: a}
`,
  };
  const engine = engineFor(files, secrets);

  it('a triggerRef runs the referenced Trigger', async () => {
    const result = await deliver(engine, 'refs', push, headersFor(push));
    expect(result.triggers.map((t) => [t.name, t.fired])).toEqual([['by-ref', true]]);
  });
  it('a labelSelector selects Triggers in the listener namespace', async () => {
    const result = await deliver(engine, 'labels', push, headersFor(push));
    expect(result.triggers.map((t) => t.name).sort()).toEqual(['by-label', 'other']);
  });
  it('a trigger group runs its chain once and seeds each member with its extensions', async () => {
    const result = await deliver(engine, 'groups', push, headersFor(push));
    expect(result.triggers).toHaveLength(1);
    expect(result.triggers[0]).toMatchObject({
      name: 'by-ref',
      fired: true,
      extensions: { group: 'github-push' },
    });
  });
});

describe('addChangedFiles', () => {
  const files = {
    'el.yaml': `apiVersion: triggers.tekton.dev/v1beta1
kind: EventListener
metadata: {name: mono}
spec:
  triggers:
    - name: api
      interceptors:
        - ref: {name: github}
          params:
            - name: secretRef
              value: {secretName: gh, secretKey: token}
            - name: addChangedFiles
              value: {enabled: true, personalAccessToken: {secretName: gh, secretKey: pat}}
        - ref: {name: cel}
          params:
            - name: filter
              value: "extensions.changed_files.split(',').exists(f, f.startsWith('services/api/'))"
      bindings:
        - {name: files, value: $(extensions.changed_files)}
      template:
        spec:
          params: [{name: files}]
          resourcetemplates:
            - apiVersion: v1
              kind: ConfigMap
              metadata: {generateName: changed-}
              data: {files: $(tt.params.files)}
`,
  };
  const calls: unknown[] = [];
  const github = {
    async listPullRequestFiles(args: {
      owner: string;
      repo: string;
      number: number;
      token: string | undefined;
    }) {
      calls.push(args);
      return ['services/api/main.go', 'README.md'];
    },
  };
  const engine = engineFor(files, { 'gh/token': 'topsecret', 'gh/pat': 'ghp_x' }, github);

  it('push: from the payload’s added, modified and removed files', async () => {
    const body = { commits: [{ added: ['services/api/a.go'], modified: ['docs/x.md'], removed: [] }] };
    const result = await deliver(engine, 'mono', body, headersFor(body));
    expect(result.triggers[0]).toMatchObject({
      fired: true,
      params: { files: 'services/api/a.go,docs/x.md' },
    });
    const docs = { commits: [{ added: [], modified: ['docs/x.md'], removed: [] }] };
    expect((await deliver(engine, 'mono', docs, headersFor(docs))).triggers[0]?.fired).toBe(false);
  });
  it('pull_request: through the GitHub API with the configured token, read the same way', async () => {
    const body = {
      number: 7,
      pull_request: { number: 7 },
      repository: { name: 'app', owner: { login: 'org' } },
    };
    const result = await deliver(engine, 'mono', body, headersFor(body, 'pull_request'));
    expect(result.triggers[0]).toMatchObject({
      fired: true,
      params: { files: 'services/api/main.go,README.md' },
    });
    expect(calls).toEqual([{ owner: 'org', repo: 'app', number: 7, token: 'ghp_x' }]);
  });
});

describe('trusted replays', () => {
  it('skip the secret check (signature headers are never stored) but keep every other rule', async () => {
    const engine = engineFor({ 'el.yaml': githubListener }, secrets);
    const rawBody = Buffer.from(JSON.stringify(push));
    const evaluate = (trusted: boolean, event = 'push') =>
      engine.evaluate(
        'github-listener',
        { method: 'POST', url: '/hooks/github-listener', headers: { 'x-github-event': event }, rawBody },
        { eventID: 'r', body: push, trusted },
      );
    expect((await evaluate(false))?.authenticated).toBe(false);
    const replayed = await evaluate(true);
    expect(replayed?.triggers[0], replayed?.triggers[0]?.reason).toMatchObject({
      fired: true,
      authenticated: true,
    });
    expect((await evaluate(true, 'ping'))?.triggers[0]?.fired).toBe(false);
  });
});
