import { describe, expect, it } from 'vitest';
import { deliver, engineFor, sign } from './helpers.ts';

const github = (name: string, secret = 'gh') => `apiVersion: triggers.tekton.dev/v1beta1
kind: EventListener
metadata: {name: ${name}}
spec:
  triggers:
    - name: a
      interceptors:
        - ref: {name: github}
          params: [{name: secretRef, value: {secretName: ${secret}, secretKey: token}}]
      template: {spec: {resourcetemplates: [{apiVersion: v1, kind: ConfigMap, metadata: {generateName: a-}}]}}
    - name: b
      interceptors:
        - ref: {name: github}
          params: [{name: secretRef, value: {secretName: ${secret}, secretKey: token}}]
        - ref: {name: cel}
          params: [{name: filter, value: "true"}]
      template: {spec: {resourcetemplates: [{apiVersion: v1, kind: ConfigMap, metadata: {generateName: b-}}]}}
`;
const harbor = `apiVersion: triggers.tekton.dev/v1beta1
kind: EventListener
metadata: {name: registry}
spec:
  triggers:
    - name: push
      interceptors:
        - ref: {name: harbor}
          params: [{name: secretRef, value: {secretName: harbor, secretKey: auth}}]
      template: {spec: {resourcetemplates: [{apiVersion: v1, kind: ConfigMap, metadata: {generateName: p-}}]}}
`;
const open = `apiVersion: triggers.tekton.dev/v1beta1
kind: EventListener
metadata: {name: open, annotations: {signalbox.dev/allow-unauthenticated: "true"}}
spec:
  triggers:
    - name: any
      interceptors: [{ref: {name: cel}, params: [{name: filter, value: "true"}]}]
      template: {spec: {resourcetemplates: [{apiVersion: v1, kind: ConfigMap, metadata: {generateName: o-}}]}}
`;
const secrets = { 'gh/token': 'gh-secret', 'harbor/auth': 'Basic aGFyYm9yOnB3', 'other/token': 'x' };
const engine = engineFor({ 'gh.yaml': github('hooks'), 'harbor.yaml': harbor, 'open.yaml': open }, secrets);

describe('listener authentication derived from the config', () => {
  it('names each secret once, by scheme, and which sender the listener serves', () => {
    expect(engine.authentication('hooks')).toEqual({
      allowUnauthenticated: false,
      github: [{ secretName: 'gh', secretKey: 'token' }],
      harbor: [],
      senders: 'github',
    });
    expect(engine.authentication('registry')).toMatchObject({
      github: [],
      harbor: [{ secretName: 'harbor', secretKey: 'auth' }],
      senders: 'harbor',
    });
    expect(engine.authentication('open')).toMatchObject({ allowUnauthenticated: true, senders: 'github' });
    expect(engine.authentication('nope')).toBeUndefined();
  });

  it('refuses from the headers alone what no secret can authenticate', () => {
    expect(engine.preAuthenticate('hooks', {})).toEqual({
      outcome: 'refused',
      reason: 'no X-Hub-Signature-256 header',
    });
    expect(engine.preAuthenticate('hooks', { authorization: 'Basic aGFyYm9yOnB3' })).toMatchObject({
      outcome: 'refused',
    });
    expect(engine.preAuthenticate('registry', { authorization: 'Basic wrong' })).toMatchObject({
      outcome: 'refused',
      reason: 'Authorization matched no configured secret (or the secret is missing)',
    });
    expect(engine.preAuthenticate('registry', { authorization: 'Basic aGFyYm9yOnB3' })).toEqual({
      outcome: 'accepted',
    });
    expect(engine.preAuthenticate('open', {})).toEqual({ outcome: 'accepted' });
  });

  it('a GitHub signature is confirmed by streaming the body, chunk by chunk, for the same verdict as the engine', async () => {
    const raw = Buffer.from(JSON.stringify({ zen: 'streamed' }));
    for (const signature of [
      sign('gh-secret', raw),
      `sha256=${sign('gh-secret', raw).slice(7).toUpperCase()}`,
    ]) {
      const gate = engine.preAuthenticate('hooks', { 'x-hub-signature-256': signature });
      if (gate?.outcome !== 'verify-body')
        throw new Error(`expected verify-body, got ${JSON.stringify(gate)}`);
      gate.verifier.update(raw.subarray(0, 5));
      gate.verifier.update(raw.subarray(5));
      const { authenticated, hmacs } = gate.verifier.finish();
      expect(authenticated).toBe(true);
      expect(hmacs.get('gh-secret')).toBe(sign('gh-secret', raw));
    }
    const forged = engine.preAuthenticate('hooks', { 'x-hub-signature-256': sign('guess', raw) });
    if (forged?.outcome !== 'verify-body') throw new Error('expected verify-body');
    forged.verifier.update(raw);
    expect(forged.verifier.finish().authenticated).toBe(false);
  });

  it('a listener whose secret file is missing refuses before reading the body', () => {
    const missing = engineFor({ 'gh.yaml': github('lost', 'absent') }, secrets);
    expect(
      missing.preAuthenticate('lost', { 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` }),
    ).toMatchObject({
      outcome: 'refused',
    });
  });
});

describe('upper-case hex signatures', () => {
  it('are accepted by the github interceptor, as by GitHub’s own Go library', async () => {
    const body = { zen: 'upper' };
    const raw = Buffer.from(JSON.stringify(body));
    const upper = `sha256=${sign('gh-secret', raw).slice(7).toUpperCase()}`;
    const result = await deliver(engine, 'hooks', body, {
      'X-Hub-Signature-256': upper,
      'X-GitHub-Event': 'push',
    });
    expect(result.authenticated).toBe(true);
    expect(result.triggers.map((t) => t.fired)).toEqual([true, true]);
    const prefix = await deliver(engine, 'hooks', body, {
      'X-Hub-Signature-256': `SHA256=${sign('gh-secret', raw).slice(7)}`,
      'X-GitHub-Event': 'push',
    });
    expect(prefix.authenticated).toBe(false);
  });

  it('any other shape is refused: cut short, padded, a digit that is not hex or not ASCII', async () => {
    const body = { zen: 'shapes' };
    const raw = Buffer.from(JSON.stringify(body));
    const good = sign('gh-secret', raw);
    for (const signature of [
      good.slice(0, -1),
      `${good}0`,
      `${good.slice(0, -1)}g`,
      `${good.slice(0, -1)}é`,
    ]) {
      const result = await deliver(engine, 'hooks', body, {
        'X-Hub-Signature-256': signature,
        'X-GitHub-Event': 'push',
      });
      expect(result.authenticated).toBe(false);
      expect(result.triggers[0]?.reason).toBe('interceptor github: X-Hub-Signature-256 does not match');
    }
  });
});
