import { redisForTest } from '@signalbox/testkit';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLoginThrottle } from '../../src/console/login-throttle.ts';
import { adminToken, buildTestListener, type TestListener } from '../build-test-listener.ts';

const { url, prefix } = redisForTest(import.meta.url);
let listener: TestListener;
let admin: FastifyInstance;

const pair = (cookies: unknown, name: string) =>
  ([cookies].flat() as string[]).find((c) => c.startsWith(`${name}=`))?.split(';')[0] ?? '';
const csrfOf = (body: string) => /name="_csrf" value="([^"]+)"/.exec(body)?.[1] ?? '';

/** One login attempt from `remoteAddress`, through a fresh login form. */
async function attempt(remoteAddress: string, token: string) {
  const form = await admin.inject({ url: '/console/login', remoteAddress });
  return admin.inject({
    method: 'POST',
    url: '/console/login',
    remoteAddress,
    headers: { cookie: pair(form.headers['set-cookie'], 'sb_console_login') },
    payload: { token, _csrf: csrfOf(form.body) },
  });
}

beforeAll(async () => {
  listener = await buildTestListener({ redisUrl: url, prefix });
  admin = listener.admin;
});
afterAll(() => listener.close());

describe('console login throttling', () => {
  it('turns an address away after 10 wrong tokens, even with the right one, and no other address', async () => {
    for (let i = 0; i < 10; i++) expect((await attempt('198.51.100.7', `wrong-${i}`)).statusCode).toBe(401);
    const refused = await attempt('198.51.100.7', adminToken);
    expect(refused.statusCode).toBe(429);
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    expect(refused.body).toContain('Too many failed logins; wait');
    expect(pair(refused.headers['set-cookie'], 'sb_console')).toBe('');

    const other = await attempt('203.0.113.9', adminToken);
    expect(other.statusCode).toBe(303);
    expect(pair(other.headers['set-cookie'], 'sb_console')).not.toBe('');
    expect((await attempt('198.51.100.7', adminToken)).statusCode).toBe(429);
  });

  it("forgets an address's failures when it logs in, and only its own", async () => {
    for (let i = 0; i < 9; i++) await attempt('192.0.2.1', 'wrong');
    for (let i = 0; i < 9; i++) await attempt('192.0.2.2', 'wrong');
    expect((await attempt('192.0.2.1', adminToken)).statusCode).toBe(303);
    expect((await attempt('192.0.2.1', 'wrong')).statusCode).toBe(401);
    expect((await attempt('192.0.2.2', 'wrong')).statusCode).toBe(401);
    expect((await attempt('192.0.2.2', adminToken)).statusCode).toBe(429);
    expect((await attempt('192.0.2.1', adminToken)).statusCode).toBe(303);
  });

  it('turns every address away once all of them together are over the overall limit', async () => {
    const throttle = createLoginThrottle(listener.redis, {
      prefix: `${prefix}:overall-test`,
      perAddress: 10,
      overall: 3,
      windowSeconds: 60,
    });
    for (const address of ['a', 'b', 'c']) {
      expect(await throttle.check(address)).toBeUndefined();
      await throttle.failed(address);
    }
    const first = await throttle.check('d');
    expect(first).toMatchObject({ scope: 'overall', first: true });
    expect(first?.retryAfterSeconds).toBeLessThanOrEqual(60);
    expect(await throttle.check('e')).toMatchObject({ scope: 'overall', first: false });
    await throttle.succeeded('a');
    expect(await throttle.check('a')).toMatchObject({ scope: 'overall' });
  });
});
