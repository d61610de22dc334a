import { ApiException } from '@kubernetes/client-node';
import { deterministicName } from '@signalbox/contracts';
import { describe, expect, it } from 'vitest';
import { classifyKubeError } from '../src/classify-error.ts';
import { correlationAnnotation, prepareObject } from '../src/create-run.ts';
import { runStatus } from '../src/run-state.ts';
import {
  invalidAnnotationsAnnotation,
  originalLabelsAnnotation,
  sanitizeMetadata,
  toLabelValue,
} from '../src/sanitize-metadata.ts';

describe('deterministicName', () => {
  const id = { eventId: 'e1', trigger: 'ci', index: 0 };
  it('is stable for the same event, trigger and index, and differs otherwise', () => {
    const a = deterministicName({ apiVersion: 'tekton.dev/v1', metadata: { generateName: 'build-' } }, id);
    expect(a).toMatch(/^build-[bcdfghjklmnpqrstvwxz2456789]{10}$/);
    expect(deterministicName({ apiVersion: 'tekton.dev/v1', metadata: { generateName: 'build-' } }, id)).toBe(
      a,
    );
    expect(
      deterministicName(
        { apiVersion: 'tekton.dev/v1', metadata: { generateName: 'build-' } },
        { ...id, index: 1 },
      ),
    ).not.toBe(a);
  });
  it('keeps a fixed name, and fits Tekton’s 63 characters (253 for other objects)', () => {
    expect(deterministicName({ metadata: { name: 'fixed', generateName: 'x-' } }, id)).toBe('fixed');
    expect(
      deterministicName(
        { apiVersion: 'tekton.dev/v1', metadata: { generateName: `${'a'.repeat(80)}-` } },
        id,
      ),
    ).toHaveLength(63);
    expect(
      deterministicName({ apiVersion: 'v1', metadata: { generateName: `${'a'.repeat(300)}-` } }, id),
    ).toHaveLength(253);
  });
  it.each([
    ['my..app-', /^my\.app-[a-z0-9]{10}$/],
    ['my.-app', /^my\.app[a-z0-9]{10}$/],
    ['-x-.y.', /^x\.y\.[a-z0-9]{10}$/],
    ['.', /^[a-z0-9]{10}$/],
  ])('turns generateName %s into a valid DNS subdomain', (generateName, expected) => {
    const name = deterministicName({ apiVersion: 'v1', metadata: { generateName } }, id);
    expect(name).toMatch(expected);
    expect(name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/);
  });
  it('makes a prefix from event text DNS-safe', () => {
    expect(deterministicName({ apiVersion: 'v1', metadata: { generateName: 'Feature/X_' } }, id)).toMatch(
      /^feature-x-[a-z0-9]{10}$/,
    );
  });
});

describe('sanitizeMetadata', () => {
  it('turns a branch into a valid label value and keeps the original text', () => {
    const out = sanitizeMetadata({ labels: { branch: 'feature/login', ok: 'main', 'bad key!': 'v' } });
    expect(out.labels).toEqual({ branch: 'feature-login', ok: 'main' });
    expect(JSON.parse((out.annotations as Record<string, string>)[originalLabelsAnnotation] ?? '{}')).toEqual(
      {
        branch: 'feature/login',
        'bad key!': 'v',
      },
    );
  });
  it('cuts long values to 63 with a distinguishing hash, alphanumeric at both ends', () => {
    const a = toLabelValue(`refs/heads/${'x'.repeat(100)}-a`);
    const b = toLabelValue(`refs/heads/${'x'.repeat(100)}-b`);
    expect(a.length).toBeLessThanOrEqual(63);
    expect(a).not.toBe(b);
    expect(toLabelValue('-_.weird.-')).toBe('weird');
  });
});

describe('sanitizeMetadata: annotations', () => {
  const size = (a: Record<string, string>) =>
    Object.entries(a).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
  it('cuts the longest values to fit the apiserver’s 256 KiB total, saying how much was cut', () => {
    const out = sanitizeMetadata({
      annotations: {
        'body/message': 'ü'.repeat(200_000),
        short: 'keep me',
        'other/text': 'x'.repeat(100_000),
      },
    });
    const annotations = out.annotations as Record<string, string>;
    expect(size(annotations)).toBeLessThanOrEqual(256 * 1024);
    expect(annotations.short).toBe('keep me');
    expect(annotations['body/message']).toMatch(/^ü+…\[cut \d+ bytes\]$/);
  });
  it('keeps annotations whose keys Kubernetes would reject under one valid key', () => {
    const out = sanitizeMetadata({ annotations: { 'Bad Key!': 'v', 'ok.example.com/x': 'y' } });
    expect(out.annotations).toEqual({
      'ok.example.com/x': 'y',
      [invalidAnnotationsAnnotation]: JSON.stringify({ 'Bad Key!': 'v' }),
    });
  });
});

describe('the correlation annotation with oversized event text', () => {
  it('stays valid JSON with bounded fields, and so do the original labels, within the 256 KiB total', () => {
    const ref = `refs/heads/${'r'.repeat(1024 * 1024)}`;
    const object = prepareObject({
      correlation: { deliveryId: 'd', eventId: 'e', listener: 'l', trigger: 't', repo: 'org/app', ref },
      index: 0,
      namespace: 'ci',
      resource: {
        apiVersion: 'tekton.dev/v1',
        kind: 'PipelineRun',
        metadata: {
          generateName: 'build-',
          labels: { branch: ref },
          annotations: { 'example.com/message': 'm'.repeat(300 * 1024) },
        },
        spec: {},
      },
    } as Parameters<typeof prepareObject>[0]);
    const annotations = (object.metadata as unknown as { annotations: Record<string, string> }).annotations;
    const correlation = JSON.parse(annotations[correlationAnnotation] ?? '') as Record<string, string>;
    expect(correlation).toMatchObject({ eventId: 'e', repo: 'org/app' });
    expect(Buffer.byteLength(correlation.ref ?? '')).toBeLessThanOrEqual(1024);
    expect(correlation.ref).toMatch(/^refs\/heads\/r+…\[cut \d+ bytes\]$/);
    const originals = JSON.parse(annotations[originalLabelsAnnotation] ?? '') as Record<string, string>;
    expect(originals.branch).toMatch(/…\[cut \d+ bytes\]$/);
    const total = Object.entries(annotations).reduce(
      (n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v),
      0,
    );
    expect(total).toBeLessThanOrEqual(256 * 1024);
    expect(annotations['example.com/message']).toMatch(/…\[cut \d+ bytes\]$/);
  });
});

describe('classifyKubeError', () => {
  const api = (code: number, body: string, headers: Record<string, string> = {}) =>
    new ApiException(code, 'x', body, headers);
  const statusBody = (message: string, extra = {}) => JSON.stringify({ kind: 'Status', message, ...extra });
  it.each([400, 403, 404, 422])('%i is permanent and carries the API’s message', (code) => {
    expect(classifyKubeError(api(code, statusBody(`msg ${code}`)))).toEqual({
      permanent: true,
      status: code,
      message: `msg ${code}`,
    });
  });
  it('429 with a plain-text body and Retry-After is transient with the delay', () => {
    expect(
      classifyKubeError(api(429, 'Too many requests, please try again later.\n', { 'retry-after': '3' })),
    ).toEqual({
      permanent: false,
      status: 429,
      message: 'Too many requests, please try again later.',
      retryAfterMs: 3000,
    });
  });
  it('5xx, a generateName collision (409 with retryAfterSeconds), 401 and dropped connections are transient', () => {
    expect(classifyKubeError(api(500, statusBody('failed calling webhook'))).permanent).toBe(false);
    expect(classifyKubeError(api(409, statusBody('x', { details: { retryAfterSeconds: 1 } })))).toMatchObject(
      { permanent: false, retryAfterMs: 1000 },
    );
    expect(classifyKubeError(api(401, '')).permanent).toBe(false);
  });
  it('a dropped connection (client-node 2.x: a TypeError without code, the code on its cause) is transient', () => {
    const dropped = new TypeError('fetch failed', {
      cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }),
    });
    expect(classifyKubeError(dropped)).toEqual({
      permanent: false,
      message: 'TypeError: fetch failed (UND_ERR_SOCKET: other side closed)',
    });
    expect(classifyKubeError(new TypeError('terminated')).permanent).toBe(false);
    expect(classifyKubeError(Object.assign(new Error('read'), { code: 'ECONNRESET' })).permanent).toBe(false);
    expect(classifyKubeError(new DOMException('timed out', 'TimeoutError')).permanent).toBe(false);
  });
  it('Retry-After as an HTTP date is honoured', () => {
    const now = Date.parse('2026-11-24T10:00:00Z');
    expect(
      classifyKubeError(api(503, '', { 'retry-after': 'Tue, 24 Nov 2026 10:00:05 GMT' }), now),
    ).toMatchObject({ permanent: false, retryAfterMs: 5000 });
  });
  it('a kind the API does not serve (CRD missing) is permanent, with a hint', () => {
    expect(
      classifyKubeError(new Error('Unrecognized API version and kind: tekton.dev/v1 PipelineRunz')),
    ).toMatchObject({ permanent: true, message: expect.stringContaining('is its CRD installed?') });
    const discovery = api(404, statusBody('the server could not find the requested resource'));
    discovery.message = `Failed to fetch resource metadata for tekton.dev/v1/PipelineRun: ${discovery.message}`;
    expect(classifyKubeError(discovery)).toMatchObject({
      permanent: true,
      status: 404,
      message: expect.stringMatching(/^tekton.dev\/v1\/PipelineRun is not served by the API/),
    });
  });
});

describe('runStatus', () => {
  it('reads Tekton’s Succeeded condition; any False is a failure', () => {
    expect(runStatus({ spec: { status: 'PipelineRunPending' } }).state).toBe('pending');
    expect(
      runStatus({
        status: { startTime: 't', conditions: [{ type: 'Succeeded', status: 'Unknown', reason: 'Running' }] },
      }).state,
    ).toBe('running');
    expect(
      runStatus({ status: { conditions: [{ type: 'Succeeded', status: 'True', reason: 'Completed' }] } })
        .state,
    ).toBe('succeeded');
    expect(
      runStatus({ status: { conditions: [{ type: 'Succeeded', status: 'False', reason: 'Cancelled' }] } }),
    ).toMatchObject({ state: 'failed', reason: 'Cancelled' });
  });
});
