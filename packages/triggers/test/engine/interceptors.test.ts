import { describe, expect, it } from 'vitest';
import { deliver, engineFor, sign } from './helpers.ts';

const configMap = `      template:
        spec:
          resourcetemplates:
            - {apiVersion: v1, kind: ConfigMap, metadata: {generateName: x-}}
`;
const el = (name: string, interceptors: string, annotations = '') => `---
apiVersion: triggers.tekton.dev/v1beta1
kind: EventListener
metadata:
  name: ${name}
${annotations}spec:
  triggers:
    - name: t
      interceptors:
${interceptors}${configMap}`;

const githubSecret = `        - ref: {name: github}
          params:
            - {name: secretRef, value: {secretName: gh, secretKey: token}}
`;
const secrets = { 'gh/token': 'It’s a Secret to Everybody', 'harbor/auth': 'Bearer harbor-auth' };
const signed = (body: unknown, event = 'push', extra: Record<string, string> = {}) => ({
  'X-GitHub-Event': event,
  'X-Hub-Signature-256': sign(secrets['gh/token'], Buffer.from(JSON.stringify(body))),
  'Content-Type': 'application/json',
  ...extra,
});

describe('github interceptor (reference §4.2)', () => {
  const engine = engineFor(
    {
      'el.yaml':
        el('gh', githubSecret) +
        el('typed', `${githubSecret}            - {name: eventTypes, value: [pull_request]}\n`) +
        el('missing-secret', githubSecret.replace('secretName: gh', 'secretName: nowhere')),
    },
    secrets,
  );

  it('verifies GitHub’s documented HMAC vector over the exact raw bytes', async () => {
    const e = engineFor({ 'el.yaml': el('gh', githubSecret) }, { 'gh/token': "It's a Secret to Everybody" });
    const evaluate = (signature: string) =>
      e.evaluate(
        'gh',
        {
          method: 'POST',
          url: '/hooks/gh',
          headers: { 'x-github-event': 'push', 'x-hub-signature-256': signature },
          rawBody: Buffer.from('Hello, World!'),
        },
        // The parsed body is given: the signature is over the raw bytes whatever they parse to.
        { eventID: 'v', body: {} },
      );
    const good = await evaluate('sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17');
    expect(good?.triggers[0]).toMatchObject({ fired: true, authenticated: true });
    const bad = await evaluate('sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e18');
    expect(bad?.triggers[0]).toMatchObject({ fired: false, authenticated: false });
  });

  it('verifies a form-encoded delivery over the form bytes, reading the JSON in its payload field', async () => {
    const e = engineFor({ 'el.yaml': el('gh', githubSecret) }, secrets);
    const form = `payload=${encodeURIComponent(JSON.stringify({ zen: 'hi' }))}`;
    const viaForm = await deliver(e, 'gh', form, {
      'X-GitHub-Event': 'ping',
      'X-Hub-Signature-256': sign(secrets['gh/token'], Buffer.from(form)),
      'Content-Type': 'application/x-www-form-urlencoded',
    });
    expect(viaForm.triggers[0]).toMatchObject({ fired: true, authenticated: true });
  });

  it('a signature over re-serialised JSON does not match the bytes GitHub sent', async () => {
    const raw = '{"ref": "refs/heads/main"}';
    const result = await deliver(engine, 'gh', raw, signed(JSON.parse(raw)));
    expect(result.triggers[0]?.reason).toBe('interceptor github: X-Hub-Signature-256 does not match');
  });

  it('accepts only X-Hub-Signature-256 (the SHA-1 header alone is refused, as Tekton ≥ 0.34)', async () => {
    const body = { ref: 'x' };
    const { 'X-Hub-Signature-256': _, ...rest } = signed(body);
    const result = await deliver(engine, 'gh', body, { ...rest, 'X-Hub-Signature': 'sha1=0000' });
    expect(result.triggers[0]?.reason).toBe('interceptor github: no X-Hub-Signature-256 header');
    expect(result.authenticated).toBe(false);
  });

  it('eventTypes are exact and case-sensitive; a missing X-GitHub-Event is the event type ""', async () => {
    const body = { action: 'opened' };
    expect((await deliver(engine, 'typed', body, signed(body, 'pull_request'))).triggers[0]?.fired).toBe(
      true,
    );
    expect((await deliver(engine, 'typed', body, signed(body, 'Pull_Request'))).triggers[0]?.reason).toBe(
      'interceptor github: event type "Pull_Request" is not one of pull_request',
    );
    const { 'X-GitHub-Event': _, ...noEvent } = signed(body);
    expect((await deliver(engine, 'typed', body, noEvent)).triggers[0]?.reason).toMatch(/event type ""/);
  });

  it('a secret file that is missing refuses every request and says which secret', async () => {
    const body = { ref: 'x' };
    const result = await deliver(engine, 'missing-secret', body, signed(body));
    expect(result.triggers[0]?.reason).toBe('interceptor github: secret nowhere/token is missing or empty');
  });
});

describe('github addChangedFiles in a monorepo listener', () => {
  it('lists a pull request’s files once per request, however many triggers ask', async () => {
    const service = (name: string) => `    - name: ${name}
      interceptors:
        - ref: {name: github}
          params:
            - {name: secretRef, value: {secretName: gh, secretKey: token}}
            - {name: addChangedFiles, value: {enabled: true}}
        - ref: {name: cel}
          params:
            - {name: filter, value: "extensions.changed_files.split(',').exists(f, f.startsWith('services/${name}/'))"}
${configMap}`;
    let calls = 0;
    const github = {
      async listPullRequestFiles() {
        calls++;
        return ['services/api/main.go'];
      },
    };
    const engine = engineFor(
      {
        'el.yaml': `apiVersion: triggers.tekton.dev/v1beta1
kind: EventListener
metadata: {name: mono}
spec:
  triggers:
${service('api')}${service('web')}${service('worker')}`,
      },
      secrets,
      github,
    );
    const body = { number: 3, repository: { name: 'mono', owner: { login: 'org' } } };
    const first = await deliver(engine, 'mono', body, signed(body, 'pull_request'));
    expect(first.triggers.map((t) => t.fired)).toEqual([true, false, false]);
    expect(calls).toBe(1);
    // Another delivery is another request: listed again.
    await deliver(engine, 'mono', body, signed(body, 'pull_request'));
    expect(calls).toBe(2);
  });
});

describe('harbor interceptor', () => {
  const harbor = (types: string) => `        - ref: {name: harbor}
          params:
            - {name: secretRef, value: {secretName: harbor, secretKey: auth}}
            - {name: eventTypes, value: ${types}}
`;
  const engine = engineFor(
    {
      'el.yaml':
        el('by-default-name', harbor('[PUSH_ARTIFACT]')) +
        el('by-ce-name', harbor('[harbor.artifact.pushed]')),
    },
    secrets,
  );
  const push = {
    type: 'PUSH_ARTIFACT',
    occur_at: 1,
    operator: 'x',
    event_data: { resources: [{ tag: '1.0' }] },
  };
  const pushCe = { specversion: '1.0', type: 'harbor.artifact.pushed', id: 'i', data: push.event_data };
  const pull = { ...push, type: 'PULL_ARTIFACT' };
  const post = (listener: string, body: unknown, type = 'application/json') =>
    deliver(engine, listener, body, { Authorization: 'Bearer harbor-auth', 'Content-Type': type });

  it('matches eventTypes given in either naming against both payload formats', async () => {
    for (const listener of ['by-default-name', 'by-ce-name']) {
      expect((await post(listener, push)).triggers[0]?.fired).toBe(true);
      expect((await post(listener, pushCe, 'application/cloudevents+json')).triggers[0]?.fired).toBe(true);
      expect((await post(listener, pull)).triggers[0]?.reason).toBe(
        `interceptor harbor: event type PULL_ARTIFACT is not one of ${listener === 'by-ce-name' ? 'harbor.artifact.pushed' : 'PUSH_ARTIFACT'}`,
      );
    }
  });

  it('compares the whole Authorization value: a prefix, a missing header or a different scheme fail', async () => {
    for (const value of ['Bearer harbor-aut', 'harbor-auth', 'Bearer harbor-auth2', undefined]) {
      const result = await deliver(engine, 'by-default-name', push, {
        ...(value === undefined ? {} : { Authorization: value }),
        'Content-Type': 'application/json',
      });
      expect(result.authenticated).toBe(false);
      expect(result.triggers[0]?.reason).toMatch(/Authorization does not match|no Authorization header/);
    }
  });

  it('refuses a body that is no Harbor event', async () => {
    expect((await post('by-default-name', { hello: 'world' })).triggers[0]?.reason).toBe(
      'interceptor harbor: not a Harbor webhook payload (no known type)',
    );
  });
});

describe('cel interceptor and chain semantics (reference §4.1, §6.4)', () => {
  const cel = (params: string) => `        - ref: {name: cel}
          params:
${params}`;
  const engine = engineFor(
    {
      'el.yaml':
        el(
          'chain',
          githubSecret +
            cel(`            - name: overlays
              value:
                - {key: a, expression: "'first'"}
                - {key: b.c, expression: "body.n + 1.0"}
                - {key: b.d, expression: "has(extensions.a)"}
                - {key: dotted\\.key, expression: "'x'"}
                - {key: a, expression: "'overwritten'"}
`) +
            cel(`            - name: overlays
              value:
                - {key: seen, expression: "extensions.a + '/' + string(extensions.b.c)"}
                - {key: bytes, expression: "base64.decode('aGk=')"}
`),
        ) +
        el(
          'filters',
          githubSecret +
            cel(`            - name: filter
              value: "body.kind == 'x' && body.count > 1"
`) +
            cel(`            - name: filter
              value: "body.never_checked.deep == 1"
`),
        ) +
        el('non-bool', githubSecret + cel('            - {name: filter, value: "body.flag"}\n')) +
        el(
          'seed',
          githubSecret +
            cel(
              `            - name: filter\n              value: "body.ref == 'refs/heads/develop' && !body.commits[0].message.startsWith('[Update manifest]')"\n`,
            ),
        ),
    },
    secrets,
  );

  it('overlays write sjson paths from the original request; the next interceptor sees the merged extensions', async () => {
    const body = { n: 2 };
    const result = await deliver(engine, 'chain', body, signed(body));
    expect(result.triggers[0]?.extensions).toEqual({
      // A repeated key overwrites; an overlay cannot see an earlier overlay of the same interceptor.
      a: 'overwritten',
      b: { c: 3, d: false },
      'dotted.key': 'x',
      seen: 'overwritten/3',
      // bytes become base64 strings, as in Tekton.
      bytes: 'aGk=',
    });
  });

  it('a filter must be exactly true; an error stops the chain with the message, later interceptors never run', async () => {
    const ok = { kind: 'x', count: 2, never_checked: { deep: 1 } };
    expect((await deliver(engine, 'filters', ok, signed(ok))).triggers[0]?.fired).toBe(true);
    const no = { kind: 'y', count: 2 };
    expect((await deliver(engine, 'filters', no, signed(no))).triggers[0]?.reason).toBe(
      `interceptor cel: filter "body.kind == 'x' && body.count > 1" did not return true`,
    );
    // `false && <error>` is false, not an error: CEL's commutative logic.
    const missing = { kind: 'y' };
    expect((await deliver(engine, 'filters', missing, signed(missing))).triggers[0]?.reason).toMatch(
      /did not return true/,
    );
    const error = { kind: 'x' };
    expect((await deliver(engine, 'filters', error, signed(error))).triggers[0]?.reason).toMatch(
      /^interceptor cel: filter error: /,
    );
  });

  it('a dyn filter that yields a non-bool is refused like false', async () => {
    const body = { flag: 'true' };
    expect((await deliver(engine, 'non-bool', body, signed(body))).triggers[0]?.reason).toMatch(
      /did not return true/,
    );
    const yes = { flag: true };
    expect((await deliver(engine, 'non-bool', yes, signed(yes))).triggers[0]?.fired).toBe(true);
  });

  it('the seed filter: a develop push fires, a bot commit does not, no commits is an error (not fired)', async () => {
    const push = (commits: unknown[]) => ({ ref: 'refs/heads/develop', commits });
    const run = async (body: unknown) => (await deliver(engine, 'seed', body, signed(body))).triggers[0];
    expect(await run(push([{ message: 'fix: handle nulls' }]))).toMatchObject({ fired: true });
    expect(await run(push([{ message: '[Update manifest] api 1.4.2' }]))).toMatchObject({
      fired: false,
      reason: expect.stringMatching(/did not return true/),
    });
    expect(await run(push([]))).toMatchObject({
      fired: false,
      reason: expect.stringMatching(/filter error/),
    });
    expect(await run({ ...push([{ message: 'x' }]), ref: 'refs/heads/main' })).toMatchObject({
      fired: false,
    });
  });
});

describe('authentication is per listener', () => {
  it('an explicit opt-out fires unauthenticated requests and marks the evaluation authenticated', async () => {
    const engine = engineFor(
      {
        'el.yaml': el(
          'open',
          '        - ref: {name: cel}\n          params: [{name: filter, value: "true"}]\n',
          '  annotations: {signalbox.dev/allow-unauthenticated: "true"}\n',
        ),
      },
      {},
    );
    const result = await deliver(engine, 'open', { a: 1 }, { 'Content-Type': 'application/json' });
    expect(result).toMatchObject({ authenticated: true, triggers: [{ fired: true, authenticated: false }] });
  });
});
