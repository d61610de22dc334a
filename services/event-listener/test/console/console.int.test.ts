import { redisForTest } from '@signalbox/testkit';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listDeliveries } from '../../src/console/list-deliveries.ts';
import { createSessionStore } from '../../src/console/session-store.ts';
import { adminToken, buildTestListener, type TestListener } from '../build-test-listener.ts';
import { consoleConfig, injectPush, signedPush } from './console-config.ts';

const { url, prefix } = redisForTest(import.meta.url);
let listener: TestListener;
let admin: FastifyInstance;

const html = { accept: 'text/html' };
const cookieOf = (res: { headers: Record<string, unknown> }, name: string) => {
  const raw = res.headers['set-cookie'];
  const all = Array.isArray(raw) ? raw : [raw];
  return all.map(String).find((c) => c.startsWith(`${name}=`));
};
const pairOf = (cookie: string | undefined) => cookie?.split(';')[0] ?? '';
const csrfIn = (page: string) => /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';

async function login(): Promise<{ cookie: string; csrf: string }> {
  const form = await admin.inject({ url: '/console/login' });
  const loginCookie = pairOf(cookieOf(form, 'sb_console_login'));
  const res = await admin.inject({
    method: 'POST',
    url: '/console/login',
    headers: { cookie: loginCookie },
    payload: { token: adminToken, _csrf: csrfIn(form.body) },
  });
  expect(res.statusCode).toBe(303);
  const cookie = pairOf(cookieOf(res, 'sb_console'));
  const page = await admin.inject({ url: '/console/deliveries', headers: { cookie, ...html } });
  return { cookie, csrf: csrfIn(page.body) };
}

const push = (options: Parameters<typeof injectPush>[1]) => injectPush(listener.app, options);

beforeAll(async () => {
  listener = await buildTestListener({ redisUrl: url, prefix, config: consoleConfig });
  admin = listener.admin;
});
afterAll(() => listener.close());

describe('console authentication', () => {
  it('sends a page request without a session to the login form and refuses anything else', async () => {
    const page = await admin.inject({ url: '/console/deliveries', headers: html });
    expect(page.statusCode).toBe(303);
    expect(page.headers.location).toBe('/console/login');
    expect((await admin.inject({ url: '/console/events' })).statusCode).toBe(401);
    const post = await admin.inject({
      method: 'POST',
      url: '/console/dead-letters/retry-all',
      payload: { _csrf: 'x' },
    });
    expect(post.statusCode).toBe(401);
  });

  it('opens a session only for the admin token, with a login form of its own origin', async () => {
    const form = await admin.inject({ url: '/console/login' });
    const loginCookie = pairOf(cookieOf(form, 'sb_console_login'));
    const noCsrf = await admin.inject({
      method: 'POST',
      url: '/console/login',
      headers: { cookie: loginCookie },
      payload: { token: adminToken },
    });
    expect(noCsrf.statusCode).toBe(403);
    expect(cookieOf(noCsrf, 'sb_console')).toBeUndefined();
    const wrong = await admin.inject({
      method: 'POST',
      url: '/console/login',
      headers: { cookie: loginCookie },
      payload: { token: `${adminToken}x`, _csrf: csrfIn(form.body) },
    });
    expect(wrong.statusCode).toBe(401);
    expect(cookieOf(wrong, 'sb_console')).toBeUndefined();
    const ok = await admin.inject({
      method: 'POST',
      url: '/console/login',
      headers: { cookie: loginCookie },
      payload: { token: adminToken, _csrf: csrfIn(form.body) },
    });
    expect(ok.statusCode).toBe(303);
    const session = cookieOf(ok, 'sb_console') ?? '';
    expect(session).toMatch(/HttpOnly/);
    expect(session).toMatch(/SameSite=Strict/);
    expect(session).toMatch(/Path=\/console(;|$)/);
    // Redis holds a hash of the id, never the id the cookie carries.
    const id = pairOf(session).split('=')[1] ?? '';
    expect(await listener.redis.keys(`${prefix}:*console-session*`)).not.toContainEqual(
      expect.stringContaining(id),
    );
  });

  it('refuses a POST whose CSRF token is missing or another session’s, and ends the session at logout', async () => {
    const a = await login();
    const b = await login();
    const eventID = await push({ sha: 'a'.repeat(40), message: 'csrf' });
    const missing = await admin.inject({
      method: 'POST',
      url: `/console/deliveries/${eventID}/dry-run`,
      headers: { cookie: a.cookie },
      payload: {},
    });
    expect(missing.statusCode).toBe(403);
    const foreign = await admin.inject({
      method: 'POST',
      url: `/console/deliveries/${eventID}/dry-run`,
      headers: { cookie: a.cookie },
      payload: { _csrf: b.csrf },
    });
    expect(foreign.statusCode).toBe(403);
    const good = await admin.inject({
      method: 'POST',
      url: `/console/deliveries/${eventID}/dry-run`,
      headers: { cookie: a.cookie },
      payload: { _csrf: a.csrf },
    });
    expect(good.statusCode).toBe(200);
    expect(good.body).toContain('Dry run now');
    const out = await admin.inject({
      method: 'POST',
      url: '/console/logout',
      headers: { cookie: a.cookie },
      payload: { _csrf: a.csrf },
    });
    expect(out.statusCode).toBe(303);
    const after = await admin.inject({ url: '/console/deliveries', headers: { cookie: a.cookie, ...html } });
    expect(after.headers.location).toBe('/console/login');
  });

  it('ends a session when the admin token is rotated, and forgets it after its TTL', async () => {
    const sessions = createSessionStore(listener.redis, { prefix: `${prefix}-rotate`, ttlSeconds: 60 });
    const { id, session } = await sessions.open('old-token');
    expect(await sessions.find(id, 'old-token')).toEqual(session);
    expect(await sessions.find(id, 'new-token')).toBeUndefined();
    const [key] = await listener.redis.keys(`${prefix}-rotate:console-session:*`);
    expect(await listener.redis.ttl(key as string)).toBeGreaterThan(0);
  });

  it('is not served on the webhook port', async () => {
    for (const path of ['/console', '/console/login', '/console/deliveries', '/console/assets/console.js'])
      expect((await listener.app.inject({ url: path })).statusCode).toBe(404);
  });
});

describe('console pages', () => {
  it('escapes what a webhook body carries and forbids inline script', async () => {
    const { cookie } = await login();
    const eventID = await push({
      sha: 'b'.repeat(40),
      message: '<script>alert("pwned")</script>',
      repo: 'org/<img src=x onerror=alert(1)>',
    });
    const list = await admin.inject({ url: '/console/deliveries', headers: { cookie, ...html } });
    const page = await admin.inject({ url: `/console/deliveries/${eventID}`, headers: { cookie, ...html } });
    for (const res of [list, page]) {
      expect(res.body).not.toContain('<img src=x');
      expect(res.body).not.toContain('<script>alert');
      expect(res.headers['content-security-policy']).toMatch(/script-src 'self'/);
    }
    expect(list.body).toContain('org/&lt;img src=x onerror=alert(1)&gt;');
    // In the JSON viewer, as the JSON string it is.
    expect(page.body).toContain('&lt;script&gt;alert(\\&quot;pwned\\&quot;)&lt;/script&gt;');
  });

  it('replays for real only when confirmed, then records a delivery linked to the original', async () => {
    const { cookie, csrf } = await login();
    const eventID = await push({ sha: '9'.repeat(40), message: 'replay me' });
    const before = await listener.redis.zcard(listener.ledger.indexKey);
    const url = `/console/deliveries/${eventID}/replay`;
    const unconfirmed = await admin.inject({
      method: 'POST',
      url,
      headers: { cookie },
      payload: { _csrf: csrf },
    });
    expect(unconfirmed.statusCode).toBe(400);
    expect(await listener.redis.zcard(listener.ledger.indexKey)).toBe(before);
    const confirmed = await admin.inject({
      method: 'POST',
      url,
      headers: { cookie },
      payload: { _csrf: csrf, confirm: 'yes' },
    });
    expect(confirmed.statusCode).toBe(303);
    const replayID = String(confirmed.headers.location).split('/').pop() as string;
    expect(replayID).not.toBe(eventID);
    expect(await listener.ledger.get(replayID)).toMatchObject({ replayOf: eventID, listener: 'ci' });
  });

  it('explains a filter over extensions with the values the interceptors before it set', async () => {
    const { cookie } = await login();
    const eventID = await push({ sha: '7'.repeat(40), message: 'overlay' });
    const page = await admin.inject({ url: `/console/deliveries/${eventID}`, headers: { cookie, ...html } });
    const section = page.body.slice(page.body.indexOf('id="v-branch-overlay"'));
    expect(section).toMatch(
      /<code>extensions\.branch<\/code> → <span class="v-other">&quot;refs\/heads\/main&quot;<\/span>/,
    );
  });

  it('explains a filter that raised an error: the clause that raised it, with its error', async () => {
    const { cookie } = await login();
    const eventID = await push({ sha: '8'.repeat(40), ref: 'refs/heads/develop' });
    const verdict = (await listener.ledger.get(eventID))?.verdicts.find((v) => v.name === 'build');
    expect(verdict?.reason).toContain('filter error: ');
    const page = await admin.inject({ url: `/console/deliveries/${eventID}`, headers: { cookie, ...html } });
    const section = page.body.slice(page.body.indexOf('id="v-build"'));
    expect(section).toMatch(
      /<code>body\.ref == &#39;refs\/heads\/develop&#39;<\/code> → <span class="v-true">true<\/span>/,
    );
    expect(section).toMatch(
      /<code>!body\.head_commit\.message\.startsWith\(&#39;\[Update manifest\]&#39;\)<\/code> → <span class="v-error">error: No such key: head_commit/,
    );
  });

  it('shows no secret header: the signature a push was sent with is nowhere on its page', async () => {
    const { cookie } = await login();
    const { body, headers } = signedPush({ sha: 'd'.repeat(40), message: 'headers' });
    const res = await listener.app.inject({
      method: 'POST',
      url: '/hooks/ci',
      headers: { ...headers, authorization: 'Bearer very-secret', cookie: 'sid=also-secret' },
      payload: body,
    });
    const page = await admin.inject({
      url: `/console/deliveries/${res.json().eventID}`,
      headers: { cookie, ...html },
    });
    expect(page.body).toContain('x-github-event');
    for (const secret of [headers['x-hub-signature-256'], 'very-secret', 'also-secret'])
      expect(page.body).not.toContain(secret);
  });

  it('reads a bounded stretch of the index per page when nothing matches, and hands on a cursor', async () => {
    for (let n = 0; n < 5; n++)
      await push({ sha: n.toString(16).padStart(40, 'e'), message: `b${n}`, repo: 'org/bounded' });
    const filter = { repo: 'org/nothing-matches' };
    const first = await listDeliveries(listener.redis, listener.ledger, { filter, limit: 10, maxScan: 3 });
    expect(first).toMatchObject({ items: [], scanned: 3, next: expect.any(Object) });
    let cursor = first.next;
    let pages = 1;
    while (cursor) {
      const page = await listDeliveries(listener.redis, listener.ledger, {
        filter,
        cursor,
        limit: 10,
        maxScan: 3,
      });
      expect(page.scanned).toBeLessThanOrEqual(3);
      cursor = page.next;
      pages++;
    }
    expect(pages).toBe(Math.ceil((await listener.redis.zcard(listener.ledger.indexKey)) / 3));
  });

  it('pages by cursor: every delivery exactly once across pages, newest first', async () => {
    const { cookie } = await login();
    const repo = 'org/paged';
    const ids: string[] = [];
    for (let n = 0; n < 57; n++)
      ids.push(await push({ sha: n.toString(16).padStart(40, 'c'), message: `p${n}`, repo }));
    const seen: string[] = [];
    let next: string | undefined = `/console/deliveries?repo=${encodeURIComponent(repo)}`;
    while (next) {
      const res: { body: string } = await admin.inject({ url: next, headers: { cookie, ...html } });
      seen.push(...[...res.body.matchAll(/<tr id="d-([0-9a-f-]{36})"/g)].map((m) => m[1] as string));
      next = /href="([^"]+)" rel="next"/.exec(res.body)?.[1]?.replaceAll('&amp;', '&');
    }
    // Newest first; pushes of one millisecond by event id, descending (as the index holds them).
    const at = new Map(
      await Promise.all(
        ids.map(
          async (id) => [id, Number(await listener.redis.zscore(listener.ledger.indexKey, id))] as const,
        ),
      ),
    );
    const newestFirst = [...ids].sort((a, b) => (at.get(b) ?? 0) - (at.get(a) ?? 0) || (a < b ? 1 : -1));
    expect(seen).toEqual(newestFirst);
  });

  it('filters by sha prefix and outcome', async () => {
    const { cookie } = await login();
    const develop = await push({
      sha: `dd${'0'.repeat(38)}`,
      message: 'feat',
      ref: 'refs/heads/develop',
      repo: 'org/filter',
    });
    const main = await push({ sha: `de${'0'.repeat(38)}`, message: 'feat', repo: 'org/filter' });
    const bySha = await admin.inject({ url: '/console/deliveries?sha=dd', headers: { cookie, ...html } });
    expect(bySha.body).toContain(`d-${develop}`);
    expect(bySha.body).not.toContain(`d-${main}`);
    expect(bySha.body).toContain('build, always');
    const noneFired = await admin.inject({
      url: '/console/deliveries?repo=org/filter&outcome=none',
      headers: { cookie, ...html },
    });
    expect(noneFired.body).not.toContain(`d-${develop}`);
    expect(noneFired.body).toContain('No deliveries match');
  });
});
