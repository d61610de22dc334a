import { redisForTest } from '@signalbox/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminToken, buildTestListener, type TestListener } from '../build-test-listener.ts';
import { consoleConfig, injectPush, signedPush } from './console-config.ts';

const { url, prefix } = redisForTest(import.meta.url);
let listener: TestListener;
let base: string;

const cookiePair = (res: Response, name: string) =>
  res.headers
    .getSetCookie()
    .find((c) => c.startsWith(`${name}=`))
    ?.split(';')[0] ?? '';

async function session(): Promise<string> {
  const form = await fetch(`${base}/console/login`);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? '';
  const res = await fetch(`${base}/console/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      cookie: cookiePair(form, 'sb_console_login'),
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ token: adminToken, _csrf: csrf }),
  });
  expect(res.status).toBe(303);
  return cookiePair(res, 'sb_console');
}

/** Reads the stream until `predicate` holds for what arrived so far. */
async function readUntil(
  body: ReadableStream<Uint8Array>,
  predicate: (text: string) => boolean,
): Promise<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (!predicate(text)) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  reader.releaseLock();
  return text;
}

beforeAll(async () => {
  listener = await buildTestListener({ redisUrl: url, prefix, config: consoleConfig });
  base = await listener.admin.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(() => listener.close());

describe('the live feed', () => {
  it('streams a refused push as a rejected row once the feed is polling', async () => {
    const cookie = await session();
    const stream = await fetch(`${base}/console/events`, { headers: { cookie } });
    const body = stream.body as ReadableStream<Uint8Array>;
    // A row on this stream shows the feed has noted where the index and the refusals ended.
    const accepted = await injectPush(listener.app, { sha: `dd${'0'.repeat(38)}`, message: 'polling' });
    await readUntil(body, (t) => t.includes(accepted));
    const { body: payload, headers } = signedPush({ sha: `ee${'0'.repeat(38)}`, message: 'unsigned' });
    const { 'x-hub-signature-256': _, ...unsigned } = headers;
    const refused = await listener.app.inject({
      method: 'POST',
      url: '/hooks/ci',
      headers: unsigned,
      payload,
    });
    expect(refused.statusCode).toBe(401);
    const row = await readUntil(body, (t) => t.includes('rejected: unauthorized'));
    expect(row).toMatch(/data: <tr id="d-[0-9a-f-]{36}"><td><a href="\/console\/refusals\//);
    await body.cancel();
  });

  it('streams rows that match the filter, including one that arrived between render and connect', async () => {
    const cookie = await session();
    const rendered = Date.now();
    const early = await injectPush(listener.app, {
      sha: `aa${'0'.repeat(38)}`,
      message: 'early',
      repo: 'org/live',
    });
    const stream = await fetch(`${base}/console/events?repo=org/live&from=${rendered}`, {
      headers: { cookie },
    });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const body = stream.body as ReadableStream<Uint8Array>;
    const first = await readUntil(body, (t) => t.includes(early));
    expect(first).toMatch(/^retry: 2000\n\n/);
    expect(first).toMatch(/event: delivery\ndata: <tr id="d-/);

    const skipped = await injectPush(listener.app, {
      sha: `bb${'0'.repeat(38)}`,
      message: 'x',
      repo: 'org/other',
    });
    const shown = await injectPush(listener.app, {
      sha: `cc${'0'.repeat(38)}`,
      message: 'late',
      repo: 'org/live',
    });
    const next = await readUntil(body, (t) => t.includes(shown));
    expect(next).not.toContain(skipped);

    // A list left open does not hold the admin app's shutdown (vitest's hook timeout would).
    await listener.admin.close();
  });
});
