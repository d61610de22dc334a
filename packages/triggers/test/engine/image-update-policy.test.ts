import { describe, expect, it } from 'vitest';
import { formatIssue } from '../../src/config/config-model.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import { parseMinAge } from '../../src/config/parse-min-age.ts';
import { configDir } from './helpers.ts';

const policy = (spec: string) => `
apiVersion: signalbox.dev/v1alpha1
kind: ImageUpdatePolicy
metadata: {name: p}
spec:
  image: harbor.example.com:8443/team-a/api
${spec}`;

function load(spec: string) {
  return loadConfig(configDir({ 'p.yaml': policy(spec) }).dir);
}

describe('ImageUpdatePolicy', () => {
  it('fills every default the manifest-updater relies on', () => {
    const result = load('  target: {repo: ./manifests, paths: [apps/api]}\n');
    if (!result.ok) throw new Error(result.issues.map(formatIssue).join('\n'));
    expect(result.config.imageUpdatePolicies[0]?.spec).toEqual({
      image: 'harbor.example.com:8443/team-a/api',
      ignore: { digestOnly: true, accessories: true, tags: [] },
      pin: 'tag',
      target: { repo: './manifests', branch: 'main', paths: ['apps/api'] },
      pullRequest: { titlePrefix: '[Update manifest]', labels: [], reviewers: [], draft: false },
      commit: { author: { name: 'Signalbox', email: 'signalbox@users.noreply.github.com' } },
    });
  });

  it('accepts the full shape: pinning, minAge, draft, author and a GitHub App', () => {
    const result = load(`  ignore: {digestOnly: false, tags: ['-debug$']}
  pin: tag@digest
  minAge: 1h30m
  target: {repo: https://github.com/org/manifests.git, branch: prod, paths: [apps/api]}
  pullRequest: {labels: [auto], draft: true}
  commit: {author: {name: Release Bot, email: bot@example.com}}
  auth: {app: {appId: 123, installationId: "456", privateKeySecretRef: {secretName: app, secretKey: key.pem}}}
`);
    if (!result.ok) throw new Error(result.issues.map(formatIssue).join('\n'));
    const spec = result.config.imageUpdatePolicies[0]?.spec;
    expect(spec?.ignore).toEqual({ digestOnly: false, accessories: true, tags: ['-debug$'] });
    expect(spec?.pin).toBe('tag@digest');
    expect(spec?.minAge).toBe('1h30m');
    expect(spec?.pullRequest).toEqual({
      titlePrefix: '[Update manifest]',
      labels: ['auto'],
      reviewers: [],
      draft: true,
    });
    expect(spec?.commit.author).toEqual({ name: 'Release Bot', email: 'bot@example.com' });
    expect(spec?.auth).toEqual({
      app: {
        appId: 123,
        installationId: '456',
        privateKeySecretRef: { secretName: 'app', secretKey: 'key.pem' },
      },
    });
  });

  it('names each bad field: pin, minAge, an ignore regex, half an auth', () => {
    const bad = load(`  ignore: {tags: ['(a)\\1']}
  pin: sha
  minAge: 1.5h
  target: {repo: https://github.com/org/m.git, paths: [apps/api]}
`);
    if (bad.ok) throw new Error('expected problems');
    const text = bad.issues.map(formatIssue);
    expect(text).toContainEqual(expect.stringMatching(/spec\.pin: .*tag.*digest/));
    const second = load(`  ignore: {tags: ['(a)\\1']}
  minAge: 1.5h
  target: {repo: https://github.com/org/m.git, paths: [apps/api]}
`);
    if (second.ok) throw new Error('expected problems');
    const messages = second.issues.map(formatIssue);
    for (const expected of [/spec\.ignore\.tags\[0\]: ./, /spec\.minAge: "1\.5h" is not a duration/]) {
      expect(messages).toContainEqual(expect.stringMatching(expected));
    }
    const halfApp = load(`  target: {repo: ./m, paths: [a]}
  auth: {app: {appId: 1}}
`);
    expect(halfApp.ok).toBe(false);
  });

  it('reads minAge as Go writes durations', () => {
    expect(parseMinAge('90s')).toBe(90_000);
    expect(parseMinAge('1h30m')).toBe(5_400_000);
    expect(parseMinAge('250ms')).toBe(250);
    expect(parseMinAge('0')).toBe(0);
    expect(parseMinAge('10')).toBeUndefined();
    expect(parseMinAge('1d')).toBeUndefined();
    expect(parseMinAge('')).toBeUndefined();
  });
});
