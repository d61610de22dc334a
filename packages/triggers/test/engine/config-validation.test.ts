import { describe, expect, it } from 'vitest';
import { formatIssue } from '../../src/config/config-model.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import type { ConfigIssue } from '../../src/types.ts';
import { configDir } from './helpers.ts';

function issues(files: Record<string, string>): ConfigIssue[] {
  const result = loadConfig(configDir(files).dir);
  if (result.ok) throw new Error('expected the config to be invalid');
  return [...result.issues];
}

const listener = (triggers: string, extra = '') => `apiVersion: triggers.tekton.dev/v1beta1
kind: EventListener
metadata:
  name: el
${extra}spec:
  triggers:
${triggers}`;

const githubAuth = `      interceptors:
        - ref: {name: github}
          params:
            - name: secretRef
              value: {secretName: gh, secretKey: token}
`;

const template = `---
apiVersion: triggers.tekton.dev/v1beta1
kind: TriggerTemplate
metadata:
  name: tt
spec:
  params:
    - name: rev
  resourcetemplates:
    - apiVersion: tekton.dev/v1
      kind: PipelineRun
      metadata:
        generateName: run-
      spec:
        params:
          - name: rev
            value: $(tt.params.rev)
`;

describe('config validation names file, document and field', () => {
  it('reports every problem at once, each located', () => {
    const found = issues({
      'a.yaml': `${listener(`    - name: t
${githubAuth}      bindings:
        - name: rev
          value: $(body.after)
      template:
        ref: missing-template
`)}---
apiVersion: triggers.tekton.dev/v1beta1
kind: Triggr
metadata:
  name: typo
`,
      'b.yaml': `apiVersion: triggers.tekton.dev/v1beta1
kind: TriggerBinding
metadata:
  name: tb
spec:
  params:
    - name: x
      value: $(body.a
    - name: y
      valu: z
`,
    });
    const text = found.map(formatIssue);
    expect(text).toContainEqual(
      expect.stringMatching(
        /a\.yaml:0\(el\):spec\.triggers\[0\]\.template\.ref: TriggerTemplate missing-template not found/,
      ),
    );
    expect(text).toContainEqual(expect.stringMatching(/a\.yaml:1\(typo\):kind: unknown kind "Triggr"/));
    expect(text).toContainEqual(expect.stringMatching(/b\.yaml:0\(tb\):spec\.params\[1\]/));
  });

  it.each([
    [
      'an unknown field',
      listener(`    - name: t
      interceptor: []
      template: {ref: tt}
`) + template,
      /spec\.triggers\[0\]\.interceptor: unknown field \(line 8\)/,
    ],
    [
      'an undeclared $(tt.params.X)',
      listener(
        `    - name: t\n${githubAuth}      bindings:\n        - {name: rev, value: $(body.a)}\n      template: {ref: tt}\n`,
      ) + template.replace('value: $(tt.params.rev)', 'value: $(tt.params.nope)'),
      /resourcetemplates\[0\]: \$\(tt\.params\.nope\) is not declared/,
    ],
    [
      'a template param with no binding and no default',
      listener(`    - name: t\n${githubAuth}      template: {ref: tt}\n`) + template,
      /template param rev has no default and no binding/,
    ],
    [
      'a duplicate param across bindings',
      listener(
        `    - name: t\n${githubAuth}      bindings:\n        - {name: rev, value: $(body.a)}\n        - {name: rev, value: $(body.b)}\n      template: {ref: tt}\n`,
      ) + template,
      /param rev is bound twice/,
    ],
    [
      'a CEL syntax error',
      listener(
        `    - name: t\n${githubAuth}        - ref: {name: cel}\n          params:\n            - name: filter\n              value: "body.a =="\n      bindings:\n        - {name: rev, value: $(body.a)}\n      template: {ref: tt}\n`,
      ) + template,
      /interceptors\[1\]\.params\[0\]\.value: CEL parse error/,
    ],
    [
      'a CEL type error',
      listener(
        `    - name: t\n${githubAuth}        - ref: {name: cel}\n          params:\n            - name: filter\n              value: "bdy.a == 'x'"\n      bindings:\n        - {name: rev, value: $(body.a)}\n      template: {ref: tt}\n`,
      ) + template,
      /CEL check error: Unknown variable: bdy/,
    ],
    [
      'a filter that cannot be bool',
      listener(
        `    - name: t\n${githubAuth}        - ref: {name: cel}\n          params:\n            - name: filter\n              value: "body.a + 'x'"\n      bindings:\n        - {name: rev, value: $(body.a)}\n      template: {ref: tt}\n`,
      ) + template,
      /must be a bool expression/,
    ],
    [
      'a regex the linear engine cannot run',
      listener(
        `    - name: t\n${githubAuth}        - ref: {name: cel}\n          params:\n            - name: filter\n              value: "body.a.matches('a(?=b)')"\n      bindings:\n        - {name: rev, value: $(body.a)}\n      template: {ref: tt}\n`,
      ) + template,
      /lookarounds/,
    ],
    [
      'a listener with no authenticating interceptor',
      listener(
        `    - name: t\n      bindings:\n        - {name: rev, value: $(body.a)}\n      template: {ref: tt}\n`,
      ) + template,
      /trigger t does not authenticate its sender/,
    ],
    [
      'an unsupported interceptor',
      listener(
        `    - name: t\n      interceptors:\n        - ref: {name: gitlab}\n      bindings:\n        - {name: rev, value: $(body.a)}\n      template: {ref: tt}\n`,
      ) + template,
      /interceptors\[0\]\.ref\.name: interceptor gitlab is not supported/,
    ],
    [
      'a dangling triggerRef',
      listener(`    - triggerRef: nope\n`),
      /spec\.triggers\[0\]\.triggerRef: Trigger nope not found/,
    ],
    [
      'a dangling binding ref',
      listener(
        `    - name: t\n${githubAuth}      bindings:\n        - ref: nope\n      template: {ref: tt}\n`,
      ) + template,
      /bindings\[0\]\.ref: TriggerBinding nope not found/,
    ],
  ])('rejects %s', (_what, yaml, message) => {
    const found = issues({ 'c.yaml': yaml });
    expect(found.map(formatIssue)).toContainEqual(expect.stringMatching(message));
    for (const issue of found) expect(issue.file).toMatch(/c\.yaml$/);
  });

  it('accepts an explicit opt-out of sender authentication', () => {
    const { dir } = configDir({
      'c.yaml':
        listener(
          `    - name: t\n      bindings:\n        - {name: rev, value: $(body.a)}\n      template: {ref: tt}\n`,
          '  annotations:\n    signalbox.dev/allow-unauthenticated: "true"\n',
        ) + template,
    });
    const result = loadConfig(dir);
    expect(result.ok).toBe(true);
  });
});
