import { randomBytes } from 'node:crypto';
import { constantTimeEqual } from '@signalbox/triggers';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import { type ConsoleGuard, sessionCookie } from './console-session.ts';
import { html } from './html.ts';
import { layout } from './layout.ts';
import type { LoginThrottle } from './login-throttle.ts';
import type { SessionStore } from './session-store.ts';

// The login form's own CSRF token (double-submit: cookie and field must match), so another site
// cannot post a login either.
const loginCookie = 'sb_console_login';
const cookieBase = { httpOnly: true, sameSite: 'strict', secure: 'auto' } as const;

function loginForm(reply: FastifyReply, status: number, message?: string) {
  const token = randomBytes(24).toString('base64url');
  reply.setCookie(loginCookie, token, { ...cookieBase, path: '/console/login', maxAge: 600 });
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .send(
      layout({
        title: 'Log in',
        body: html`${message ? html`<p class="notice error" role="alert">${message}</p>` : ''}
<form method="post" action="/console/login" class="stack">
<input type="hidden" name="_csrf" value="${token}">
<p><label>Admin token<input type="password" name="token" autocomplete="current-password" required autofocus></label></p>
<button type="submit" class="primary">Log in</button>
</form>
<p class="muted">The token is the event-listener's admin token (the same the delivery API takes as a Bearer token).</p>`,
      }).text,
    );
}

const waitText = (seconds: number) =>
  seconds < 120 ? `${seconds} seconds` : `${Math.ceil(seconds / 60)} minutes`;

/**
 * `GET/POST /console/login` and `POST /console/logout` (the latter behind `requireSession`, so
 * it carries the session's CSRF token). A login compares the token in constant time and opens a
 * server-side session; every failure is logged once, without the token. While the throttle counts
 * too many failed logins from the client's address (or from everyone), a login is answered 429
 * with `Retry-After` without its token being compared; that refusal is logged once per window.
 */
export function loginRoutes(
  app: FastifyInstance,
  deps: { sessions: SessionStore; throttle: LoginThrottle; adminToken(): string | undefined; logger: Logger },
  guard: ConsoleGuard,
) {
  app.get('/login', async (_request, reply) => loginForm(reply, 200));
  app.post<{ Body: { token?: string; _csrf?: string } }>('/login', async (request, reply) => {
    const expected = request.cookies[loginCookie];
    const sent = request.body?._csrf;
    if (!expected || typeof sent !== 'string' || !constantTimeEqual(sent, expected)) {
      deps.logger.info({ ip: request.ip }, 'console login refused: CSRF token missing or wrong');
      return loginForm(reply, 403, 'The login form expired or came from elsewhere; try again.');
    }
    const refusal = await deps.throttle.check(request.ip);
    if (refusal) {
      if (refusal.first) {
        const { scope, retryAfterSeconds } = refusal;
        deps.logger.warn(
          { ip: request.ip, scope, retryAfterSeconds },
          'console login refused: too many failed logins; refusing every login until the window ends',
        );
      }
      reply.header('retry-after', String(refusal.retryAfterSeconds));
      return loginForm(
        reply,
        429,
        `Too many failed logins; wait ${waitText(refusal.retryAfterSeconds)} and try again.`,
      );
    }
    const token = deps.adminToken();
    const given = request.body?.token;
    if (!token || typeof given !== 'string' || !constantTimeEqual(given, token)) {
      deps.logger.info({ ip: request.ip }, 'console login refused: wrong admin token');
      if (token) await deps.throttle.failed(request.ip);
      return loginForm(
        reply,
        401,
        token ? 'Wrong admin token.' : 'No admin token is configured; the console is off.',
      );
    }
    await deps.throttle.succeeded(request.ip);
    const { id } = await deps.sessions.open(token);
    reply.clearCookie(loginCookie, { path: '/console/login' });
    reply.setCookie(sessionCookie, id, { ...cookieBase, path: '/console', maxAge: deps.sessions.ttlSeconds });
    return reply.redirect('/console/deliveries', 303);
  });
  app.post('/logout', { preHandler: guard }, async (request, reply) => {
    const id = request.cookies[sessionCookie];
    if (id) await deps.sessions.close(id);
    reply.clearCookie(sessionCookie, { path: '/console' });
    return reply.redirect('/console/login', 303);
  });
}
