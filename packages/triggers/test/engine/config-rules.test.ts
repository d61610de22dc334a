import { describe, expect, it } from 'vitest';
import { formatIssue } from '../../src/config/config-model.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import { configDir } from './helpers.ts';

function problems(files: Record<string, string>): string[] {
  const result = loadConfig(configDir(files).dir);
  if (result.ok) throw new Error('expected the config to be invalid');
  return result.issues.map(formatIssue);
}

function loads(files: Record<string, string>) {
  const result = loadConfig(configDir(files).dir);
  if (!result.ok) throw new Error(result.issues.map(formatIssue).join('\n'));
  return result.config;
}

const auth = `      interceptors:
        - ref: {name: github}
          params:
            - name: secretRef
              value: {secretName: gh, secretKey: token}
`;

/** A listener whose one inline trigger uses `template` (a TriggerTemplate name). */
const listener = (template = 'tt', bindings = '        - {name: rev, value: $(body.after)}\n') => `
apiVersion: triggers.tekton.dev/v1beta1
kind: EventListener
metadata: {name: el}
spec:
  triggers:
    - name: t
${auth}      bindings:
${bindings}      template: {ref: ${template}}
`;

const template = (opts: { name?: string; annotations?: string; resource?: string; params?: string } = {}) => `
---
apiVersion: triggers.tekton.dev/v1beta1
kind: TriggerTemplate
metadata:
  name: ${opts.name ?? 'tt'}
${opts.annotations ? `  annotations:\n${opts.annotations}` : ''}spec:
  params:
${opts.params ?? '    - name: rev\n'}  resourcetemplates:
${
  opts.resource ??
  `    - apiVersion: tekton.dev/v1
      kind: PipelineRun
      metadata: {generateName: run-}
      spec: {params: [{name: rev, value: $(tt.params.rev)}]}
`
}`;

describe('config load: every rule, located', () => {
  it('gives the line of the field, or of the key that is wrong', () => {
    const text = problems({
      'el.yaml': `${listener('nope')}${template()}`,
      'broken.yaml': 'apiVersion: v1\nkind: [\n',
    });
    expect(text).toContainEqual(
      expect.stringMatching(
        /(^|\/)el\.yaml:0\(el\):spec\.triggers\[0\]\.template\.ref: TriggerTemplate nope not found in namespace default \(line 15\)$/,
      ),
    );
    expect(text).toContainEqual(
      expect.stringMatching(/(^|\/)broken\.yaml:0:\(document\): YAML: .*\(line \d\)$/),
    );
  });

  it('validates templates and bindings nobody references, once each', () => {
    const text = problems({
      'el.yaml': `${listener('tt', '        - ref: shared\n')}${template()}${template({
        name: 'unused',
        resource: '    - {apiVersion: v1, kind: ConfigMap, data: {x: $(tt.params.nope)}}\n',
      })}
---
apiVersion: triggers.tekton.dev/v1beta1
kind: TriggerBinding
metadata: {name: shared}
spec:
  params:
    - {name: rev, value: $(body.after}
    - {name: rev, value: x}
`,
    });
    expect(text.filter((t) => t.includes('unbalanced'))).toEqual([
      expect.stringMatching(/(^|\/)el\.yaml:3\(shared\):spec\.params\[0\]\.value: unbalanced \$\(/),
    ]);
    expect(text).toContainEqual(
      expect.stringMatching(/3\(shared\):spec\.params\[1\]\.name: duplicate param rev/),
    );
    expect(text).toContainEqual(
      expect.stringMatching(
        /2\(unused\):spec\.resourcetemplates\[0\]: \$\(tt\.params\.nope\) is not declared/,
      ),
    );
  });

  it('reports an invalid trigger’s other problems too: its name, its spec and its missing authentication', () => {
    const text = problems({
      'el.yaml': `
apiVersion: triggers.tekton.dev/v1beta1
kind: EventListener
metadata: {name: Bad_Name}
spec:
  triggers:
    - name: t
      bindings: [{name: rev, valu: x}]
      template: {ref: tt}
---
apiVersion: triggers.tekton.dev/v1beta1
kind: EventListener
metadata: {name: open}
spec:
  triggers:
    - name: t
      interceptors:
        - ref: {name: cel}
          params: [{name: filter, value: "body.ref = 'x'"}]
      template: {ref: tt}
${template()}`,
    });
    for (const expected of [
      /0\(Bad_Name\):metadata\.name: must be a DNS-1123 name/,
      /0\(Bad_Name\):spec\.triggers\[0\]\.bindings\[0\]\.valu: unknown field/,
      /1\(open\):spec\.triggers\[0\]\.interceptors\[0\]\.params\[0\]\.value: CEL parse error/,
      /1\(open\):spec\.triggers\[0\]: trigger t does not authenticate its sender/,
    ]) {
      expect(text).toContainEqual(expect.stringMatching(expected));
    }
  });

  it.each([
    [
      'a duplicate template param',
      template({ params: '    - name: rev\n    - name: rev\n' }),
      /spec\.params\[1\]\.name: duplicate param rev/,
    ],
    [
      'a concurrency limit that is not a positive integer',
      template({
        annotations:
          '    signalbox.dev/concurrency-group: $(tt.params.rev)\n    signalbox.dev/concurrency-limit: "0"\n',
      }),
      /metadata\.annotations\.signalbox\.dev\/concurrency-limit: must be a positive integer/,
    ],
    [
      'an unknown concurrency policy',
      template({
        annotations: '    signalbox.dev/concurrency-group: g\n    signalbox.dev/concurrency-policy: newest\n',
      }),
      /concurrency-policy: must be queue or cancel-in-progress/,
    ],
    [
      'a concurrency policy without a group',
      template({ annotations: '    signalbox.dev/concurrency-policy: queue\n' }),
      /concurrency-group: .* need a group/,
    ],
    [
      'an undeclared param in a concurrency group',
      template({ annotations: '    signalbox.dev/concurrency-group: $(tt.params.branch)\n' }),
      /metadata\.annotations\.signalbox\.dev\/concurrency-group: \$\(tt\.params\.branch\) is not declared/,
    ],
    [
      'a signalbox.dev kind no service owns',
      template({
        resource:
          '    - {apiVersion: signalbox.dev/v1alpha1, kind: ImageUpdatePolicy, spec: {x: $(tt.params.rev)}}\n',
      }),
      /resourcetemplates\[0\]\.kind: a template can render signalbox\.dev ImageUpdate or Notification/,
    ],
    [
      'a Notification of an unknown kind',
      template({
        resource:
          '    - {apiVersion: signalbox.dev/v1alpha1, kind: Notification, spec: {kind: image.psuhed, data: {r: $(tt.params.rev)}}}\n',
      }),
      /resourcetemplates\[0\]\.spec\.kind: must be one of delivery\.rejected/,
    ],
    [
      'an ImageUpdate without a tag',
      template({
        resource:
          '    - {apiVersion: signalbox.dev/v1alpha1, kind: ImageUpdate, spec: {image: $(tt.params.rev)}}\n',
      }),
      /resourcetemplates\[0\]\.spec\.tag: an ImageUpdate needs it/,
    ],
    [
      'a resource template without kind',
      template({ resource: '    - {apiVersion: v1, metadata: {name: $(tt.params.rev)}}\n' }),
      /resourcetemplates\[0\]\.kind: a resource template needs kind/,
    ],
  ])('rejects %s', (_what, tt, message) => {
    expect(problems({ 'el.yaml': listener() + tt })).toContainEqual(expect.stringMatching(message));
  });

  it.each([
    [
      'a wrong apiVersion',
      listener().replace('triggers.tekton.dev/v1beta1', 'tekton.dev/v1'),
      /0\(el\):apiVersion: EventListener needs apiVersion triggers\.tekton\.dev\/v1beta1 or triggers\.tekton\.dev\/v1alpha1/,
    ],
    [
      'a binding that is both inline and a ref',
      listener('tt', '        - {name: rev, value: x, ref: other}\n'),
      /bindings\[0\]\.value: a binding is either \{name, value\} or \{ref, kind\}, not both/,
    ],
    [
      'a template with both ref and spec',
      listener().replace(
        'template: {ref: tt}',
        'template: {ref: tt, spec: {resourcetemplates: [{apiVersion: v1, kind: ConfigMap}]}}',
      ),
      /spec\.triggers\[0\]\.template: a trigger needs exactly one of template\.ref and template\.spec/,
    ],
    [
      'an unknown interceptor param',
      listener().replace(
        'value: {secretName: gh, secretKey: token}',
        'value: {secretName: gh, secretKey: token}\n            - {name: secret, value: x}',
      ),
      /interceptors\[0\]\.params\[1\]\.name: unknown github param secret; expected secretRef, eventTypes/,
    ],
    [
      'a Harbor event type that does not exist',
      listener()
        .replace('{name: github}', '{name: harbor}')
        .replace(
          'value: {secretName: gh, secretKey: token}',
          'value: {secretName: gh, secretKey: token}\n            - {name: eventTypes, value: [PUSH_IMAGE]}',
        ),
      /params\[1\]\.value\[0\]: unknown Harbor event type "PUSH_IMAGE"/,
    ],
    [
      'a cel interceptor with neither filter nor overlays',
      listener().replace('      bindings:', '        - ref: {name: cel}\n      bindings:'),
      /interceptors\[1\]: a cel interceptor needs a filter or overlays/,
    ],
    [
      'the legacy webhook interceptor',
      listener().replace('      bindings:', '        - webhook: {url: "http://x"}\n      bindings:'),
      /interceptors\[1\]\.webhook: the legacy webhook interceptor is not supported/,
    ],
    [
      'an overlay without a key',
      listener().replace(
        '      bindings:',
        '        - ref: {name: cel}\n          params:\n            - {name: overlays, value: [{expression: "1"}]}\n      bindings:',
      ),
      /params\[0\]\.value\[0\]\.key: must be a non-empty string/,
    ],
    [
      'an overlay that does not compile',
      listener().replace(
        '      bindings:',
        '        - ref: {name: cel}\n          params:\n            - {name: overlays, value: [{key: a, expression: "body."}]}\n      bindings:',
      ),
      /params\[0\]\.value\[0\]\.expression: CEL parse error/,
    ],
    [
      'githubOwners (not supported)',
      listener().replace(
        'value: {secretName: gh, secretKey: token}',
        'value: {secretName: gh, secretKey: token}\n            - {name: githubOwners, value: {enabled: true}}',
      ),
      /params\[1\]\.value: githubOwners is not supported by Signalbox/,
    ],
  ])('rejects %s', (_what, el, message) => {
    expect(problems({ 'el.yaml': el + template() })).toContainEqual(expect.stringMatching(message));
  });

  const trigger = (name: string, labels: string, namespace?: string) => `
---
apiVersion: triggers.tekton.dev/v1beta1
kind: Trigger
metadata:
  name: ${name}
${namespace ? `  namespace: ${namespace}\n` : ''}  labels: {${labels}}
spec:
${auth.replace(/^ {4}/gm, '')}  bindings:
    - {name: rev, value: $(body.after)}
  template: {ref: tt}
`;

  it('rejects a trigger selected twice (Tekton would fire it twice) and a selector that selects nothing', () => {
    const text = problems({
      'el.yaml': `
apiVersion: triggers.tekton.dev/v1beta1
kind: EventListener
metadata: {name: twice}
spec:
  triggers:
    - triggerRef: a
  labelSelector: {matchLabels: {team: x}}
---
apiVersion: triggers.tekton.dev/v1beta1
kind: EventListener
metadata: {name: none}
spec:
  labelSelector: {matchLabels: {team: nobody}}
${trigger('a', 'team: x')}${template()}`,
    });
    expect(text).toContainEqual(
      expect.stringMatching(
        /0\(twice\):spec\.labelSelector: trigger a is already selected by spec\.triggers\[0\]/,
      ),
    );
    expect(text).toContainEqual(expect.stringMatching(/1\(none\):spec\.labelSelector: selects no Trigger/));
  });

  it('rejects a trigger that two trigger groups select', () => {
    const group = (name: string) => `    - name: ${name}
      interceptors:
        - ref: {name: cel}
          params: [{name: filter, value: "true"}]
      triggerSelector: {labelSelector: {matchLabels: {team: x}}}
`;
    const text = problems({
      'el.yaml': `
apiVersion: triggers.tekton.dev/v1beta1
kind: EventListener
metadata: {name: grouped}
spec:
  triggerGroups:
${group('push')}${group('pr')}${trigger('a', 'team: x')}${template()}`,
    });
    expect(text).toContainEqual(
      expect.stringMatching(
        /spec\.triggerGroups\[1\]\.triggerSelector: trigger a is already selected by spec\.triggerGroups\[0\]\.triggerSelector/,
      ),
    );
  });

  it('rejects a trigger group whose chain and members authenticate nobody', () => {
    const text = problems({
      'el.yaml': `
apiVersion: triggers.tekton.dev/v1beta1
kind: EventListener
metadata: {name: grouped}
spec:
  triggerGroups:
    - name: g
      interceptors:
        - ref: {name: cel}
          params: [{name: filter, value: "true"}]
      triggerSelector: {labelSelector: {matchLabels: {team: x}}}
${trigger('a', 'team: x').replace(/ {2}interceptors:[\s\S]*?token\}\n/, '')}${template()}`,
    });
    expect(text).toContainEqual(
      expect.stringMatching(
        /spec\.triggerGroups\[0\]\.triggerSelector: trigger a in group g does not authenticate its sender/,
      ),
    );
  });

  it('resolves references within the namespace, and namespace-less documents from anywhere', () => {
    const text = problems({
      'el.yaml': `
apiVersion: triggers.tekton.dev/v1beta1
kind: EventListener
metadata: {name: el, namespace: ci}
spec:
  triggers:
    - triggerRef: a
${trigger('a', 'team: x', 'other')}${template()}`,
    });
    expect(text).toContainEqual(
      expect.stringMatching(
        /spec\.triggers\[0\]\.triggerRef: Trigger a not found in namespace ci \(it exists in other\)/,
      ),
    );
    const config = loads({
      'el.yaml': `
apiVersion: triggers.tekton.dev/v1beta1
kind: EventListener
metadata: {name: el, namespace: ci}
spec:
  triggers:
    - triggerRef: a
${trigger('a', 'team: x')}${template()}`,
    });
    // A namespace-less Trigger takes the listener's namespace (where its resources are created).
    expect(config.listeners.get('el')?.triggers[0]?.namespace).toBe('ci');
  });

  it('checks ImageUpdatePolicy and SlackRoute values the workers would trip on', () => {
    const text = problems({
      'policies.yaml': `
apiVersion: signalbox.dev/v1alpha1
kind: ImageUpdatePolicy
metadata: {name: p}
spec:
  image: harbor.example.com/team-a/api:1.0
  tags: {pattern: '^(\\d+)\\1$', semver: '>=banana'}
  gate: {scan: none, blockAt: High}
  target: {repo: https://github.com/org/m.git, paths: [../outside]}
---
apiVersion: signalbox.dev/v1alpha1
kind: SlackRoute
metadata: {name: r}
spec:
  channel: C1
  kinds: [run.failed, run.exploded]
  when: "notification.correlation.repo + 1"
---
apiVersion: signalbox.dev/v1alpha1
kind: SlackRoute
metadata: {name: s}
spec:
  channel: C1
  kinds: [run.failed]
  when: "notificaton.kind == 'x'"
  auth: {secretRef: {secretName: slack, secretKey: bot-token}}
  webhook: {secretRef: {secretName: slack, secretKey: webhook-url}}
`,
    });
    for (const expected of [
      /0\(p\):spec\.image: must be a repository/,
      /0\(p\):spec\.tags\.pattern: ./,
      /0\(p\):spec\.tags\.semver: ">=banana" is not a semver range/,
      /0\(p\):spec\.gate\.blockAt: needs scan: required/,
      /0\(p\):spec\.target\.paths\[0\]: must be a path inside the repository/,
      /1\(r\):spec\.kinds\[1\]: unknown notification kind "run\.exploded"/,
      /1\(r\):spec\.when: CEL check error: a filter must be a bool expression/,
      /2\(s\):spec\.when: CEL check error: Unknown variable: notificaton/,
      /2\(s\):spec\.webhook: give either auth/,
    ]) {
      expect(text).toContainEqual(expect.stringMatching(expected));
    }
  });

  it('takes a SlackRoute incoming webhook as webhook.secretRef (the old webhookRef is an unknown field)', () => {
    const config = loads({
      'route.yaml': `
apiVersion: signalbox.dev/v1alpha1
kind: SlackRoute
metadata: {name: hook}
spec:
  channel: C07A1B2C3D4
  kinds: [run.failed]
  webhook: {secretRef: {secretName: slack, secretKey: webhook-url}}
`,
    });
    expect(config.slackRoutes[0]?.spec.webhook?.secretRef).toEqual({
      secretName: 'slack',
      secretKey: 'webhook-url',
    });
    const text = problems({
      'route.yaml': `
apiVersion: signalbox.dev/v1alpha1
kind: SlackRoute
metadata: {name: old}
spec:
  channel: C07A1B2C3D4
  kinds: [run.failed]
  webhookRef: {secretName: slack, secretKey: webhook-url}
`,
    });
    expect(text).toContainEqual(expect.stringMatching(/0\(old\):spec\.webhookRef: unknown field/));
  });

  it('compiles a SlackRoute condition once, for the notifier to evaluate', () => {
    const config = loads({
      'route.yaml': `
apiVersion: signalbox.dev/v1alpha1
kind: SlackRoute
metadata: {name: r}
spec:
  channel: C07A1B2C3D4
  kinds: [run.failed]
  when: "notification.correlation.repo == 'org/team-a'"
`,
    });
    const when = config.slackRoutes[0]?.when;
    expect(when?.matches({ kind: 'run.failed', correlation: { repo: 'org/team-a' } })).toBe(true);
    expect(when?.matches({ kind: 'run.failed', correlation: { repo: 'org/other' } })).toBe(false);
    // A missing key is an error in CEL, which does not match (as a Tekton filter).
    expect(when?.matches({ kind: 'run.failed' })).toBe(false);
  });
});
