import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { redisForTest } from '@signalbox/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestListener, harborAuth, sign, type TestListener } from './build-test-listener.ts';

const examples = createRequire(import.meta.url)('@octokit/webhooks-examples') as Array<{
  name: string;
  examples: unknown[];
}>;
const harborDir = new URL('../../../packages/triggers/test/fixtures/harbor/', import.meta.url);
const { url, prefix } = redisForTest(import.meta.url);

let listener: TestListener;
let address: string;
let adminAddress: string;
beforeAll(async () => {
  listener = await buildTestListener({ redisUrl: url, prefix, bodyLimit: 1024 * 1024 });
  address = await listener.app.listen({ port: 0, host: '127.0.0.1' });
  adminAddress = await listener.admin.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(() => listener.close());

interface Sent {
  method?: 'POST' | 'GET';
  url: string;
  headers?: Record<string, string>;
  payload?: string | Buffer;
}
interface Answer {
  statusCode: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
  // biome-ignore lint/suspicious/noExplicitAny: bodies are checked by expect(), as inject() types them
  json(): any;
}

/** The same request through Fastify's inject() or through a real HTTP connection (keep-alive). */
const transports: Record<'inject' | 'socket', (r: Sent) => Promise<Answer>> = {
  inject: (r) =>
    listener.app.inject({
      method: r.method ?? 'POST',
      url: r.url,
      headers: r.headers ?? {},
      ...(r.payload === undefined ? {} : { payload: r.payload }),
    }),
  async socket(r) {
    const res = await fetch(`${address}${r.url}`, {
      method: r.method ?? 'POST',
      headers: r.headers ?? {},
      ...(r.payload === undefined ? {} : { body: r.payload }),
    });
    const body = await res.text();
    return {
      statusCode: res.status,
      headers: Object.fromEntries(res.headers),
      body,
      json: () => JSON.parse(body),
    };
  },
};
const viaBoth = Object.keys(transports) as (keyof typeof transports)[];

function github(
  body: unknown,
  event: string,
  extra: Record<string, string> = {},
  via: keyof typeof transports = 'inject',
) {
  const payload = JSON.stringify(body);
  return transports[via]({
    url: '/hooks/github',
    headers: {
      'content-type': 'application/json',
      'x-github-event': event,
      'x-github-delivery': randomUUID(),
      'x-hub-signature-256': sign(payload),
      ...extra,
    },
    payload,
  });
}

describe.each(viaBoth)('GitHub via %s: every @octokit/webhooks-examples payload', (via) => {
  const cases = examples.flatMap((e) => e.examples.map((p, i) => [`${e.name} #${i}`, e.name, p] as const));
  it('is the whole corpus', () => expect(cases.length).toBeGreaterThanOrEqual(329));
  it.each(cases)('%s → 202 with the catch-all fired', async (_label, event, payload) => {
    const res = await github(payload, event, {}, via);
    expect(res.statusCode, res.body).toBe(202);
    const body = res.json();
    expect(body).toMatchObject({ eventListener: 'github', namespace: 'ci', eventID: expect.any(String) });
    expect(body.triggers).toContainEqual(
      expect.objectContaining({
        name: 'catch-all',
        fired: true,
        resources: [expect.objectContaining({ kind: 'PipelineRun', queue: 'signalbox-runs' })],
      }),
    );
    const pushes = body.triggers.find((t: { name: string }) => t.name === 'pushes-only');
    expect(pushes.fired).toBe(event === 'push');
    if (event !== 'push') expect(pushes.reason).toMatch(/event type/);
  });
});

describe.each(viaBoth)('Harbor via %s: every fixture, both formats, with its recorded headers', (via) => {
  const files = [
    ...readdirSync(harborDir).filter((f) => f.endsWith('.json') && !f.includes('headers')),
    ...readdirSync(new URL('cloudevents/', harborDir))
      .filter((f) => !f.includes('headers'))
      .map((f) => `cloudevents/${f}`),
  ];
  // Harbor's request headers as recorded (Content-Type per format, the Auth Header verbatim).
  const recorded = (file: string) => {
    const headers = JSON.parse(
      readFileSync(
        new URL(
          file.startsWith('cloudevents/')
            ? 'cloudevents/PUSH_ARTIFACT.cloudevents.headers.json'
            : 'PUSH_ARTIFACT.headers.json',
          harborDir,
        ),
        'utf8',
      ),
    ).headers as Record<string, string>;
    return {
      'content-type': headers['Content-Type'] ?? '',
      authorization: headers.Authorization ?? '',
      'user-agent': headers['User-Agent'] ?? '',
    };
  };
  it('sends the Auth Header the listener is configured with', () => {
    expect(recorded('PUSH_ARTIFACT.json').authorization).toBe(harborAuth);
  });
  it.each(files)('%s → 202', async (file) => {
    // Harbor sends compact JSON (Go encoding/json).
    const payload = JSON.stringify(JSON.parse(readFileSync(new URL(file, harborDir), 'utf8')));
    const res = await transports[via]({ url: '/hooks/harbor', headers: recorded(file), payload });
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json().triggers[0].name).toBe('image');
  });
});

describe.each(viaBoth)('the error matrix via %s: a status and a JSON {error, message} for each', (via) => {
  const body = JSON.stringify({ zen: 'hi' });
  const post = (headers: Record<string, string>, payload: string | Buffer = body, path = '/hooks/github') =>
    transports[via]({ url: path, headers, payload });
  const expectError = (res: Answer, status: number) => {
    expect(res.statusCode).toBe(status);
    expect(res.json()).toEqual({ error: expect.any(String), message: expect.any(String) });
  };

  it('413 for a signed body over the limit (an unsigned one is 401 before its size matters)', async () => {
    const big = Buffer.alloc(1024 * 1024 + 1, 'a');
    expectError(
      await post({ 'content-type': 'application/json', 'x-hub-signature-256': sign(big) }, big),
      413,
    );
    expectError(await post({ 'content-type': 'application/json' }, big), 401);
  });
  it('415 for a content type no sender uses', async () => {
    expectError(await post({ 'content-type': 'text/plain', 'x-hub-signature-256': sign(body) }), 415);
  });
  it('400 for invalid JSON and for JSON that is not an object', async () => {
    expectError(
      await post({ 'content-type': 'application/json', 'x-hub-signature-256': sign('{nope') }, '{nope'),
      400,
    );
    expectError(
      await post({ 'content-type': 'application/json', 'x-hub-signature-256': sign('[1]') }, '[1]'),
      400,
    );
  });
  it('404 for an unknown listener', async () => {
    expectError(await post({ 'content-type': 'application/json' }, body, '/hooks/nope'), 404);
  });
  it('405 for a method other than POST', async () => {
    const res = await transports[via]({ method: 'GET', url: '/hooks/github' });
    expectError(res, 405);
    expect(res.headers.allow).toBe('POST');
  });
  it('401 for a wrong and for a missing signature, naming no trigger or secret', async () => {
    for (const headers of [
      {
        'content-type': 'application/json',
        'x-github-event': 'ping',
        'x-hub-signature-256': sign(body, 'guess'),
      },
      { 'content-type': 'application/json', 'x-github-event': 'ping' },
    ]) {
      const res = await post(headers);
      expectError(res, 401);
      expect(res.body).not.toMatch(/catch-all|pushes-only|github|secret|signature/i);
    }
  });
  it('GitHub’s form encoding (payload=) is accepted, signed over the raw form body', async () => {
    const form = `payload=${encodeURIComponent(body)}`;
    const res = await post(
      {
        'content-type': 'application/x-www-form-urlencoded',
        'x-github-event': 'ping',
        'x-hub-signature-256': sign(form),
      },
      form,
    );
    expect(res.statusCode).toBe(202);
  });
});

describe('dedup: nothing is enqueued twice', () => {
  it('a redelivered GitHub delivery (same X-GitHub-Delivery) → 202 duplicate with the original eventID', async () => {
    const before = await listener.counts();
    const delivery = randomUUID();
    const first = await github({ ref: 'refs/heads/main', commits: [] }, 'push', {
      'x-github-delivery': delivery,
    });
    const again = await github({ ref: 'refs/heads/main', commits: [] }, 'push', {
      'x-github-delivery': delivery,
    });
    expect(first.statusCode).toBe(202);
    expect(again.statusCode).toBe(202);
    expect(again.json()).toMatchObject({ eventID: first.json().eventID, duplicate: true });
    // The redelivery shows the original verdicts (what GitHub displays in its delivery log).
    expect(again.json().triggers).toEqual(first.json().triggers);
    const after = await listener.counts();
    expect(after.runs - before.runs).toBe(1);
    expect(after.notifications - before.notifications).toBe(1);
  });
  it('a known delivery id without a valid signature gets 401, not the original verdicts', async () => {
    const delivery = randomUUID();
    const first = await github({ ref: 'refs/heads/main', commits: [] }, 'push', {
      'x-github-delivery': delivery,
    });
    expect(first.statusCode).toBe(202);
    const forged = await github({ ref: 'refs/heads/main', commits: [] }, 'push', {
      'x-github-delivery': delivery,
      'x-hub-signature-256': sign('something else'),
    });
    expect(forged.statusCode).toBe(401);
    expect(forged.json()).toEqual({ error: 'unauthorized', message: 'the request was not authenticated' });
  });
  it('many deliveries at once are all stored; one delivery sent ten times at once is one job', async () => {
    const before = await listener.counts();
    const distinct = await Promise.all(
      Array.from({ length: 40 }, (_v, n) => github({ zen: `at once ${n}` }, 'ping')),
    );
    expect(distinct.map((r) => r.statusCode)).toEqual(Array(40).fill(202));
    expect(new Set(distinct.map((r) => r.json().eventID)).size).toBe(40);
    const delivery = randomUUID();
    const same = await Promise.all(
      Array.from({ length: 10 }, () => github({ zen: 'same' }, 'ping', { 'x-github-delivery': delivery })),
    );
    expect(same.map((r) => r.statusCode)).toEqual(Array(10).fill(202));
    expect(new Set(same.map((r) => r.json().eventID)).size).toBe(1);
    expect((await listener.counts()).runs - before.runs).toBe(41);
  });
  it('a Harbor retry (byte-identical body, no delivery id) → no second job', async () => {
    const before = await listener.counts();
    const payload = JSON.stringify({
      ...JSON.parse(readFileSync(new URL('PUSH_ARTIFACT.json', harborDir), 'utf8')),
      occur_at: Date.now(),
    });
    const send = () =>
      listener.app.inject({
        method: 'POST',
        url: '/hooks/harbor',
        headers: { 'content-type': 'application/json', authorization: harborAuth },
        payload,
      });
    const first = await send();
    const retry = await send();
    expect(retry.json()).toMatchObject({ eventID: first.json().eventID, duplicate: true });
    expect((await listener.counts()).imageUpdates - before.imageUpdates).toBe(1);
  });
});

describe('over HTTP: health, readiness and metrics', () => {
  it('serves /healthz, /readyz on both ports and Prometheus metrics of what came before on the admin port only', async () => {
    expect((await fetch(`${address}/metrics`)).status).toBe(404);
    expect((await fetch(`${adminAddress}/readyz`)).status).toBe(200);
    expect((await fetch(`${address}/healthz`)).status).toBe(200);
    const ready = await fetch(`${address}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true, checks: { config: true, redis: true } });
    const metrics = await (await fetch(`${adminAddress}/metrics`)).text();
    expect(metrics).toMatch(/signalbox_deliveries_total\{listener="github",outcome="accepted"\} [1-9]/);
    expect(metrics).toMatch(
      /signalbox_deliveries_total\{listener="github",outcome="unauthenticated"\} [1-9]/,
    );
    expect(metrics).toMatch(
      /signalbox_trigger_verdicts_total\{listener="github",trigger="pushes-only",outcome="not_fired"\} [1-9]/,
    );
    expect(metrics).toMatch(
      /signalbox_ack_seconds_bucket\{le="0.005",listener="github",status="202"\} [1-9]/,
    );
  });
});
