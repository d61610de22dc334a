import { describe, expect, it } from 'vitest';
import { concurrencyFromAnnotations } from '../../src/templates/concurrency-from-annotations.ts';
import { renderTemplate, type TemplateModel } from '../../src/templates/render-template.ts';
import { deliver, engineFor, sign } from './helpers.ts';

const model = (resources: object[], annotations: Record<string, string> = {}): TemplateModel => ({
  name: 'tt',
  params: [{ name: 'msg' }, { name: 'repo' }, { name: 'branch', default: 'say "main"' }],
  resourceJson: resources.map((r) => JSON.stringify(r)),
  annotations,
});
const ctx = { listener: 'el', trigger: 'build', eventID: 'ev-1', namespace: 'ci' };

describe('renderTemplate (reference §2.4)', () => {
  it('shares one $(uid) across the resources of an invocation, a new one per invocation', () => {
    const tt = model([
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'a-' }, data: { uid: '$(uid)' } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'b-' }, data: { uid: '$(uid)' } },
    ]);
    const uids = (out: ReturnType<typeof renderTemplate>) =>
      out.map((r) => (r.object as { data: { uid: string } }).data.uid);
    const [first, second] = uids(renderTemplate(tt, { msg: 'x', repo: 'r' }, ctx));
    expect(first).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(second).toBe(first);
    expect(uids(renderTemplate(tt, { msg: 'x', repo: 'r' }, ctx))[0]).not.toBe(first);
  });

  it('never interprets event text: $( becomes $$(, even for $(uid) and $(tt.params.…)', () => {
    const tt = model([
      { apiVersion: 'v1', kind: 'ConfigMap', data: { m: '$(tt.params.msg)', r: '$(tt.params.repo)' } },
    ]);
    const [out] = renderTemplate(tt, { msg: 'run $(uid) and $(tt.params.repo)', repo: 'org/app' }, ctx);
    expect((out!.object as { data: object }).data).toEqual({
      m: 'run $$(uid) and $$(tt.params.repo)',
      r: 'org/app',
    });
  });

  it('escapes a default for JSON as bindings are, keeps generateName, adds Tekton’s labels to template labels', () => {
    const tt = model([
      {
        apiVersion: 'tekton.dev/v1',
        kind: 'PipelineRun',
        metadata: { generateName: 'build-', labels: { team: 'a' } },
        spec: { params: [{ name: 'branch', value: '$(tt.params.branch)' }] },
      },
    ]);
    const [out] = renderTemplate(tt, { msg: 'x', repo: 'r' }, ctx);
    const object = out?.object as {
      metadata: { generateName: string; name?: string; labels: object };
      spec: { params: { value: string }[] };
    };
    expect(object.spec.params[0]?.value).toBe('say "main"');
    expect(object.metadata.generateName).toBe('build-');
    expect(object.metadata.name).toBeUndefined();
    expect(object.metadata.labels).toEqual({
      team: 'a',
      'triggers.tekton.dev/eventlistener': 'el',
      'triggers.tekton.dev/trigger': 'build',
      'triggers.tekton.dev/triggers-eventid': 'ev-1',
    });
    expect(out?.namespace).toBe('ci');
  });

  it('routes by apiVersion and kind, and takes the namespace from the object when it names one', () => {
    const out = renderTemplate(
      model([
        { apiVersion: 'signalbox.dev/v1alpha1', kind: 'ImageUpdate', spec: { image: 'i', tag: 't' } },
        { apiVersion: 'signalbox.dev/v1alpha1', kind: 'Notification', spec: { kind: 'image.pushed' } },
        { apiVersion: 'tekton.dev/v1', kind: 'PipelineRun', metadata: { namespace: 'builds' } },
      ]),
      { msg: 'x', repo: 'r' },
      ctx,
    );
    expect(out.map((r) => [r.route, r.namespace])).toEqual([
      ['image-update', 'ci'],
      ['notification', 'ci'],
      ['run', 'builds'],
    ]);
  });

  it('resolves the concurrency group with the params, and the limit and policy', () => {
    const [out] = renderTemplate(
      model([{ apiVersion: 'v1', kind: 'ConfigMap' }], {
        'signalbox.dev/concurrency-group': '$(tt.params.repo)-$(tt.params.branch)',
        'signalbox.dev/concurrency-limit': '2',
        'signalbox.dev/concurrency-policy': 'cancel-in-progress',
      }),
      { msg: 'x', repo: 'org/app', branch: 'develop' },
      ctx,
    );
    expect(out?.concurrency).toEqual({ group: 'org/app-develop', limit: 2, policy: 'cancel-in-progress' });
    const [none] = renderTemplate(
      model([{ apiVersion: 'v1', kind: 'ConfigMap' }]),
      { msg: 'x', repo: 'r' },
      ctx,
    );
    expect(none?.concurrency).toBeUndefined();
  });

  it('renders the object the substituted JSON form parses to, plain values and escaped ones alike', () => {
    const resource = (nested: string) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { generateName: 'cm-', annotations: { 'x/$(tt.params.repo)': 'at $(tt.params.msg).' } },
      data: { list: ['$(tt.params.msg)', 1, true, null, { nested }], n: 2.5 },
    });
    // The branch default has quotes: one resource uses it, one does not.
    const resources = [resource('$(tt.params.branch)'), resource('$(tt.params.msg)$(tt.params.nope)')];
    const tt = model(resources);
    for (const bound of [
      { msg: 'plain text', repo: 'org/app' },
      { msg: 'a \\"quote\\" and a \\\\ backslash', repo: 'line\\nbreak' },
      { msg: '\\u003cb\\u003e \\u2028', repo: 'é' },
      { msg: '$(tt.params.repo)', repo: '5' },
    ]) {
      const values: Record<string, string> = { branch: 'say \\"main\\"', ...bound };
      const texts = resources.map((r) =>
        JSON.stringify(r).replace(
          /\$\(tt\.params\.(\w+)\)/g,
          (whole, name: string) => values[name]?.replaceAll('$(', '$$$$(') ?? whole,
        ),
      );
      const out = renderTemplate(tt, bound, ctx).map((r) => {
        const { labels: _labels, ...metadata } = r.object.metadata as Record<string, unknown>;
        return { ...r.object, metadata };
      });
      expect(out).toEqual(texts.map((t) => JSON.parse(t)));
    }
  });

  it('a key that renders to __proto__ is a key of the object, never its prototype', () => {
    const tt = model([
      { apiVersion: 'v1', kind: 'ConfigMap', data: { '$(tt.params.msg)': { polluted: 'yes' } } },
    ]);
    const [out] = renderTemplate(tt, { msg: '__proto__', repo: 'r' }, ctx);
    const data = out?.object.data as Record<string, unknown>;
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
    expect(Object.hasOwn(data, '__proto__')).toBe(true);
    expect((data as { polluted?: string }).polluted).toBeUndefined();
  });

  it('gives each render objects of its own', () => {
    const tt = model([{ apiVersion: 'v1', kind: 'ConfigMap', data: { list: ['a'], m: '$(tt.params.msg)' } }]);
    const [first] = renderTemplate(tt, { msg: 'x', repo: 'r' }, ctx);
    (first!.object.data as { list: string[] }).list.push('changed');
    const [second] = renderTemplate(tt, { msg: 'y', repo: 'r' }, ctx);
    expect(second?.object.data).toEqual({ list: ['a'], m: 'y' });
  });

  it('defaults the concurrency limit to 1 and the policy to queue', () => {
    expect(concurrencyFromAnnotations({ 'signalbox.dev/concurrency-group': 'g' })).toEqual({
      concurrency: { group: 'g', limit: 1, policy: 'queue' },
      problems: [],
    });
  });

  it('reads how cancel-in-progress stops a superseded run, and only with that policy', () => {
    const group = { 'signalbox.dev/concurrency-group': 'g' };
    expect(
      concurrencyFromAnnotations({
        ...group,
        'signalbox.dev/concurrency-policy': 'cancel-in-progress',
        'signalbox.dev/concurrency-cancel': 'StoppedRunFinally',
      }).concurrency,
    ).toEqual({ group: 'g', limit: 1, policy: 'cancel-in-progress', cancel: 'StoppedRunFinally' });
    expect(
      concurrencyFromAnnotations({ ...group, 'signalbox.dev/concurrency-cancel': 'Cancelled' }).problems,
    ).toEqual([
      {
        annotation: 'signalbox.dev/concurrency-cancel',
        message: 'applies only with signalbox.dev/concurrency-policy: cancel-in-progress',
      },
    ]);
    const bad = concurrencyFromAnnotations({
      ...group,
      'signalbox.dev/concurrency-policy': 'cancel-in-progress',
      'signalbox.dev/concurrency-cancel': 'Stop',
    });
    expect(bad.concurrency).toBeUndefined();
    expect(bad.problems[0]?.message).toMatch(
      /must be one of CancelledRunFinally, Cancelled, StoppedRunFinally/,
    );
  });
});

describe('templates through the engine', () => {
  it('an inline template spec renders with bound params and the listener namespace', async () => {
    const engine = engineFor(
      {
        'el.yaml': `apiVersion: triggers.tekton.dev/v1beta1
kind: EventListener
metadata: {name: el, namespace: ci}
spec:
  triggers:
    - name: inline
      interceptors:
        - ref: {name: github}
          params:
            - {name: secretRef, value: {secretName: gh, secretKey: token}}
      bindings:
        - {name: who, value: "$(body.sender.login) via $(header.x-github-event)"}
      template:
        spec:
          params: [{name: who}]
          resourcetemplates:
            - apiVersion: v1
              kind: ConfigMap
              metadata: {generateName: who-}
              data: {who: $(tt.params.who)}
`,
      },
      { 'gh/token': 's' },
    );
    const body = { sender: { login: '<octocat>' } };
    const result = await deliver(engine, 'el', body, {
      'X-GitHub-Event': 'push',
      'X-Hub-Signature-256': sign('s', Buffer.from(JSON.stringify(body))),
    });
    const [resource] = result.triggers[0]?.resources ?? [];
    expect(resource?.namespace).toBe('ci');
    // Static text kept around several expressions; event text escaped as Go's encoding/json does.
    expect((resource!.object as { data: { who: string } }).data.who).toBe('<octocat> via push');
    expect(result.triggers[0]?.params).toEqual({ who: '\\u003coctocat\\u003e via push' });
  });
});
