import type { FastifyInstance } from 'fastify';
import { adminToken } from '../build-test-listener.ts';

const pair = (cookies: unknown, name: string) =>
  ([cookies].flat() as string[]).find((c) => c.startsWith(`${name}=`))?.split(';')[0] ?? '';
const csrfOf = (body: string) => /name="_csrf" value="([^"]+)"/.exec(body)?.[1] ?? '';

/** A console session on the admin app through `inject`: its cookie and CSRF token. */
export async function consoleLogin(admin: FastifyInstance): Promise<{ cookie: string; csrf: string }> {
  const form = await admin.inject({ url: '/console/login' });
  const res = await admin.inject({
    method: 'POST',
    url: '/console/login',
    headers: { cookie: pair(form.headers['set-cookie'], 'sb_console_login') },
    payload: { token: adminToken, _csrf: csrfOf(form.body) },
  });
  const cookie = pair(res.headers['set-cookie'], 'sb_console');
  const page = await admin.inject({ url: '/console/queues', headers: { cookie } });
  return { cookie, csrf: csrfOf(page.body) };
}
