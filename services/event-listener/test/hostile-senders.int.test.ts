import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { redisForTest } from '@signalbox/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminToken,
  buildTestListener,
  harborAuth,
  sign,
  signedPushHeaders,
  type TestListener,
} from './build-test-listener.ts';

const { url, prefix } = redisForTest(import.meta.url);
const auth = { authorization: `Bearer ${adminToken}` };

let listener: TestListener;
let address: { port: number };
beforeAll(async () => {
  listener = await buildTestListener({
    redisUrl: url,
    prefix,
    limits: { githubTimeoutMs: 500 },
    maxBufferedBytes: 4 * 1024 * 1024,
  });
  await listener.app.listen({ port: 0, host: '127.0.0.1' });
  address = listener.app.server.address() as { port: number };
});
afterAll(() => listener.close());

const postGithub = (body: string, delivery: string, extra: Record<string, string> = {}) =>
  listener.app.inject({
    method: 'POST',
    url: '/hooks/github',
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'push',
      'x-github-delivery': delivery,
      'x-hub-signature-256': sign(body),
      ...extra,
    },
    payload: body,
  });

/** Writes raw bytes on a socket and collects what comes back until the server closes it (or `ms`). */
function rawExchange(
  chunks: readonly string[],
  ms = 3_000,
): Promise<{ text: string; closedAfterMs: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(address.port, '127.0.0.1');
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text, closedAfterMs: Number.POSITIVE_INFINITY });
    }, ms);
    socket.on('data', (c) => (text += c.toString()));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text, closedAfterMs: Date.now() - started });
    });
    socket.once('connect', () => {
      for (const chunk of chunks) socket.write(chunk);
    });
    socket.once('error', reject);
  });
}

const statusOf = (text: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]);
const bodyOf = (text: string) => JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as unknown;

describe('metric series come only from configured names', () => {
  it('600 POSTs to invented listener names add no series: they share _unknown', async () => {
    const metrics = async () => (await listener.admin.inject({ url: '/metrics' })).body;
    const series = (text: string) => text.split('\n').filter((l) => l && !l.startsWith('#')).length;
    for (let i = 0; i < 10; i++) {
      await listener.app.inject({ method: 'POST', url: `/hooks/warmup-${i}`, payload: '{}' });
    }
    const before = series(await metrics());
    for (let i = 0; i < 600; i++) {
      const name = `probe-${randomUUID()}`;
      const res = await listener.app.inject({
        method: 'POST',
        url: `/hooks/${name}`,
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` },
        payload: '{}',
      });
      expect(res.statusCode).toBe(404);
    }
    const after = await metrics();
    expect(series(after)).toBe(before);
    expect(after).not.toMatch(/probe-|warmup-/);
    expect(after).toMatch(/signalbox_deliveries_total\{listener="_unknown",outcome="unknown_listener"\} 610/);
  });
});

describe('authentication before the body', () => {
  it('Harbor: a wrong Authorization is answered 401 from the headers, while the body is still owed', async () => {
    const { text, closedAfterMs } = await rawExchange([
      'POST /hooks/harbor HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Basic wrong\r\nContent-Length: 1000000\r\n\r\n{"type":',
    ]);
    expect(statusOf(text)).toBe(401);
    expect(bodyOf(text)).toEqual({ error: 'unauthorized', message: 'the request was not authenticated' });
    expect(text.toLowerCase()).toContain('connection: close');
    expect(closedAfterMs).toBeLessThan(3_000);
  });

  it('GitHub: no signature header is 401 at once; a made-up one is 401 at the last byte, never parsed', async () => {
    const unsigned = await rawExchange([
      'POST /hooks/github HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{',
    ]);
    expect(statusOf(unsigned.text)).toBe(401);
    // Not JSON at all: were it parsed, this would be a 400.
    const forged = await listener.app.inject({
      method: 'POST',
      url: '/hooks/github',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${'a'.repeat(64)}` },
      payload: 'not json',
    });
    expect(forged.statusCode).toBe(401);
    expect(forged.json()).toEqual({ error: 'unauthorized', message: 'the request was not authenticated' });
  });

  it('a body that stalls is cut at the listener’s body timeout (408, JSON), its connection closed', async () => {
    const body = '{"zen":"slow"}';
    const { text, closedAfterMs } = await rawExchange([
      `POST /hooks/github HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Hub-Signature-256: ${sign(body)}\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 4)}`,
    ]);
    expect(statusOf(text)).toBe(408);
    expect(bodyOf(text)).toEqual({
      error: 'request_timeout',
      message: 'the body did not arrive within 500 ms',
    });
    expect(closedAfterMs).toBeLessThan(3_000);
  });

  it('beyond the bytes buffered at once: 503 with Retry-After, and the budget is whole again afterwards', async () => {
    const size = 3 * 1024 * 1024;
    const stalled = rawExchange(
      [
        `POST /hooks/github HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Hub-Signature-256: sha256=${'b'.repeat(64)}\r\nContent-Length: ${size}\r\n\r\n{`,
      ],
      2_000,
    );
    await new Promise((r) => setTimeout(r, 100));
    const refused = await listener.app.inject({
      method: 'POST',
      url: '/hooks/github',
      headers: {
        'content-type': 'application/json',
        'x-hub-signature-256': `sha256=${'c'.repeat(64)}`,
        'content-length': String(2 * 1024 * 1024),
      },
      payload: Buffer.alloc(2 * 1024 * 1024, 'x'),
    });
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['retry-after']).toBe('10');
    expect(refused.json()).toMatchObject({ error: 'at_capacity' });
    expect(statusOf((await stalled).text)).toBe(408);
    expect(listener.budget.held()).toBe(0);
    const body = JSON.stringify({ zen: 'after' });
    expect((await postGithub(body, randomUUID())).statusCode).toBe(202);
  });
});

describe('413, 414 and 431 in the {error, message} shape', () => {
  it('headers too large → 431; a path segment too long → 414', async () => {
    const big = await rawExchange([
      `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    ]);
    expect(statusOf(big.text)).toBe(431);
    expect(bodyOf(big.text)).toEqual({ error: 'headers_too_large', message: expect.any(String) });
    const long = await listener.app.inject({
      method: 'POST',
      url: `/hooks/${'l'.repeat(200)}`,
      payload: '{}',
    });
    expect(long.statusCode).toBe(414);
    expect(long.json()).toEqual({ error: 'uri_too_long', message: expect.any(String) });
  });

  it('a Harbor-only listener takes Harbor’s 1 MiB limit, a GitHub one 25 MiB', async () => {
    const payload = Buffer.alloc(1024 * 1024 + 1, ' ');
    const harbor = await listener.app.inject({
      method: 'POST',
      url: '/hooks/harbor',
      headers: { 'content-type': 'application/json', authorization: harborAuth },
      payload,
    });
    expect(harbor.statusCode).toBe(413);
    expect(harbor.json()).toEqual({
      error: 'payload_too_large',
      message: 'body is larger than the limit of 1048576 bytes',
    });
    const github = await postGithub(`{"pad":"${' '.repeat(1024 * 1024)}"}`, randomUUID());
    expect(github.statusCode).toBe(202);
  });
});

describe('the admin API validates event ids', () => {
  it('`<eventID>:body/replay` is refused (400): a planted body is never read as a ledger record', async () => {
    // A signed body shaped like a record, naming another listener and carrying its own body.
    const planted = JSON.stringify({
      eventID: randomUUID(),
      listener: 'harbor',
      contentType: 'application/json',
      headers: {},
      body: JSON.stringify({ type: 'PUSH_ARTIFACT', event_data: { resources: [{ tag: 'pwned' }] } }),
    });
    const accepted = await postGithub(planted, randomUUID());
    expect(accepted.statusCode).toBe(202);
    const { eventID } = accepted.json() as { eventID: string };
    const before = await listener.counts();
    for (const path of [`${eventID}:body/replay`, `${eventID}%3Abody/replay`]) {
      const res = await listener.admin.inject({
        method: 'POST',
        url: `/api/v1/deliveries/${path}`,
        headers: auth,
      });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ error: 'bad_request', message: expect.stringMatching(/eventID/) });
    }
    const show = await listener.admin.inject({ url: `/api/v1/deliveries/${eventID}:body`, headers: auth });
    expect(show.statusCode).toBe(400);
    expect(await listener.counts()).toEqual(before);
    const bad = await listener.admin.inject({ url: '/api/v1/deliveries?limit=5000', headers: auth });
    expect(bad.statusCode).toBe(400);
  });
});

describe('replay protection for GitHub', () => {
  it('the same signed body under a new X-GitHub-Delivery is a duplicate with the original verdicts', async () => {
    const body = JSON.stringify({
      ref: 'refs/heads/main',
      after: randomUUID(),
      repository: { full_name: 'org/r' },
    });
    const before = await listener.counts();
    const first = await postGithub(body, randomUUID());
    expect(first.statusCode).toBe(202);
    const captured = await postGithub(body, randomUUID());
    expect(captured.statusCode).toBe(202);
    expect(captured.json()).toMatchObject({
      duplicate: true,
      eventID: first.json().eventID,
      triggers: first.json().triggers,
    });
    const after = await listener.counts();
    expect(after.runs - before.runs).toBe(1);
    expect(after.notifications - before.notifications).toBe(1);
    // A different body is a different event, whatever its delivery id.
    expect((await postGithub(`${body} `, randomUUID())).json().duplicate).toBeUndefined();
  });
});

const refConfig = `apiVersion: triggers.tekton.dev/v1beta1
kind: EventListener
metadata: {name: github, namespace: ci}
spec:
  triggers:
    - name: build
      interceptors:
        - ref: {name: github}
          params:
            - name: secretRef
              value: {secretName: github, secretKey: token}
      bindings:
        - {name: ref, value: $(body.ref)}
      template:
        spec:
          params: [{name: ref}]
          resourcetemplates:
            - apiVersion: tekton.dev/v1
              kind: PipelineRun
              metadata: {generateName: build-}
              spec:
                pipelineRef: {name: ci}
                params: [{name: ref, value: $(tt.params.ref)}]
`;

describe('bounded event text in objects', () => {
  it('a 1 MB branch name becomes a valid PipelineRun with the param cut, and the verdict names the cut', async () => {
    const own = await buildTestListener({ redisUrl: url, prefix: `${prefix}-ref`, config: refConfig });
    try {
      const body = JSON.stringify({ ref: `refs/heads/${'x'.repeat(1024 * 1024)}` });
      const res = await own.app.inject({
        method: 'POST',
        url: '/hooks/github',
        headers: signedPushHeaders(body),
        payload: body,
      });
      expect(res.statusCode, res.body).toBe(202);
      const [build] = res.json().triggers;
      expect(build).toMatchObject({
        name: 'build',
        fired: true,
        warnings: [expect.stringMatching(/^param ref: \d+ bytes cut \(values are limited to 65536 bytes\)$/)],
      });
      const job = await own.producers.runs.queue.getJob(build.resources[0].jobId as string);
      const resource = job?.data.runs[0]?.resource as { spec: { params: { value: string }[] } };
      expect(Buffer.byteLength(JSON.stringify(resource))).toBeLessThan(200 * 1024);
      expect(resource.spec.params[0]?.value).toMatch(/^refs\/heads\/x+\.\.\.\[signalbox: \d+ bytes cut\]$/);
      // The ledger keeps the warning with the verdict.
      const shown = await own.admin.inject({
        url: `/api/v1/deliveries/${res.json().eventID}`,
        headers: auth,
      });
      expect(shown.json().verdicts[0].warnings).toEqual(build.warnings);
    } finally {
      await own.close();
    }
  });
});
