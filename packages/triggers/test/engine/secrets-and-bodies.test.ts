import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBody } from '../../src/engine/parse-body.ts';
import { fileSecretStore } from '../../src/secrets/file-secret-store.ts';
import { engineFor } from './helpers.ts';

function secretsDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'sb-secrets-'));
  for (const [path, value] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), value);
  }
  return dir;
}

describe('fileSecretStore: $SIGNALBOX_SECRETS_DIR/<secretName>/<secretKey>', () => {
  it('drops exactly one trailing newline (echo > file), keeps every other byte', () => {
    const store = fileSecretStore(
      secretsDir({
        'a/lf': 'token\n',
        'a/crlf': 'token\r\n',
        'a/two': 'token\n\n',
        'a/spaces': ' token ',
        'a/none': 'token',
      }),
    );
    expect(store.read('a', 'lf')).toBe('token');
    expect(store.read('a', 'crlf')).toBe('token');
    expect(store.read('a', 'two')).toBe('token\n');
    expect(store.read('a', 'spaces')).toBe(' token ');
    expect(store.read('a', 'none')).toBe('token');
    expect(store.read('a', 'absent')).toBeUndefined();
    expect(store.read('absent', 'lf')).toBeUndefined();
  });

  it('refuses names that could leave the folder', () => {
    const dir = secretsDir({ 'a/key': 'inside' });
    writeFileSync(join(dir, '..', 'outside-secret'), 'outside');
    const store = fileSecretStore(join(dir, 'a'));
    for (const [name, key] of [
      ['..', 'outside-secret'],
      ['.', 'key'],
      ['a/../a', 'key'],
      ['x', '../key'],
    ] as const) {
      expect(store.read(name, key)).toBeUndefined();
    }
  });

  it('reads a mounted Kubernetes Secret (keys are symlinks into ..data)', () => {
    const dir = secretsDir({ 'gh/..data/token': 'mounted\n' });
    symlinkSync('..data/token', join(dir, 'gh', 'token'));
    expect(fileSecretStore(dir).read('gh', 'token')).toBe('mounted');
  });

  it('caches each value for the TTL, so a rotated secret applies within it', () => {
    const dir = secretsDir({ 'a/key': 'old' });
    let now = 0;
    const store = fileSecretStore(dir, { ttlMs: 5_000, now: () => now });
    expect(store.read('a', 'key')).toBe('old');
    writeFileSync(join(dir, 'a', 'key'), 'new');
    now = 4_999;
    expect(store.read('a', 'key')).toBe('old');
    now = 5_001;
    expect(store.read('a', 'key')).toBe('new');
  });
});

describe('parseBody', () => {
  const raw = (s: string) => Buffer.from(s);
  it('reads JSON, CloudEvents structured JSON and any +json type, whatever the charset parameter', () => {
    expect(parseBody('application/json', raw('{"a":1}'))).toEqual({ ok: true, body: { a: 1 } });
    expect(parseBody('application/cloudevents+json', raw('{"specversion":"1.0"}'))).toMatchObject({
      ok: true,
    });
    expect(parseBody('Application/JSON; charset=utf-8', raw('{"a":1}'))).toMatchObject({ ok: true });
    expect(parseBody('application/vnd.github+json', raw('{"a":1}'))).toMatchObject({ ok: true });
  });
  it('reads GitHub’s form-encoded delivery from its payload field', () => {
    const form = `payload=${encodeURIComponent('{"zen":"a & b = c"}')}`;
    expect(parseBody('application/x-www-form-urlencoded', raw(form))).toEqual({
      ok: true,
      body: { zen: 'a & b = c' },
    });
    expect(parseBody('application/x-www-form-urlencoded', raw('a=1&b=2'))).toMatchObject({
      ok: false,
      code: 'INVALID_BODY',
      message: 'form body has no payload field',
    });
  });
  it('refuses what is not a JSON object and unknown content types (the listener maps the codes to 400 and 415)', () => {
    for (const body of ['', '[1,2]', '"text"', '42', 'null', '{"a":']) {
      expect(parseBody('application/json', raw(body))).toMatchObject({ ok: false, code: 'INVALID_BODY' });
    }
    for (const type of [undefined, 'text/plain', 'application/xml']) {
      expect(parseBody(type, raw('{}'))).toMatchObject({ ok: false, code: 'UNSUPPORTED_MEDIA_TYPE' });
    }
  });
});

describe('evaluate() without a parsed body', () => {
  const engine = engineFor({
    'el.yaml': `apiVersion: triggers.tekton.dev/v1beta1
kind: EventListener
metadata: {name: el, annotations: {signalbox.dev/allow-unauthenticated: "true"}}
spec:
  triggers:
    - name: t
      bindings: [{name: a, value: $(body.a)}]
      template:
        spec:
          params: [{name: a}]
          resourcetemplates: [{apiVersion: v1, kind: ConfigMap, data: {a: $(tt.params.a)}}]
`,
  });
  const request = (contentType: string | undefined, body: string) => ({
    method: 'POST',
    url: '/hooks/el',
    headers: contentType ? { 'content-type': contentType } : {},
    rawBody: Buffer.from(body),
  });

  it('parses it from the content type', async () => {
    const result = await engine.evaluate('el', request('application/json', '{"a":"x"}'), { eventID: 'e' });
    expect(result?.triggers[0]?.params).toEqual({ a: 'x' });
  });
  it("throws a BodyError with a code for the HTTP edge to map (no status: HTTP is the listener's)", async () => {
    await expect(
      engine.evaluate('el', request('application/json', '[]'), { eventID: 'e' }),
    ).rejects.toMatchObject({
      name: 'BodyError',
      code: 'INVALID_BODY',
    });
    await expect(engine.evaluate('el', request('text/plain', '{}'), { eventID: 'e' })).rejects.toMatchObject({
      code: 'UNSUPPORTED_MEDIA_TYPE',
    });
  });
  it('answers undefined for an unknown listener before looking at the body', async () => {
    expect(await engine.evaluate('nope', request('text/plain', 'x'), { eventID: 'e' })).toBeUndefined();
  });
});
