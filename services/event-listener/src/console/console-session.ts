import { constantTimeEqual } from '@signalbox/triggers';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { html } from './html.ts';
import { layout } from './layout.ts';
import type { ConsoleSession, SessionStore } from './session-store.ts';

/** The session cookie: HttpOnly, SameSite=Strict, only sent to `/console`. */
export const sessionCookie = 'sb_console';

const refusal = (reply: FastifyReply, status: number, message: string) =>
  reply
    .code(status)
    .type('text/html; charset=utf-8')
    .send(
      layout({
        title: status === 401 ? 'Signed out' : 'Refused',
        body: html`<p class="notice error" role="alert">${message}</p><p><a href="/console/login">Log in</a></p>`,
      }).text,
    );

/**
 * The console's guard, a Fastify `preHandler`: a request needs a live session (a page asks for
 * the login form instead; anything else gets 401), and every POST its session's CSRF token in the
 * `_csrf` form field (403 otherwise). The session is left on the request for the route.
 */
export function requireSession(sessions: SessionStore, adminToken: () => string | undefined) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const session = await sessions.find(request.cookies[sessionCookie], adminToken());
    if (!session) {
      if (request.method === 'GET' && request.headers.accept?.includes('text/html'))
        return reply.redirect('/console/login', 303);
      return refusal(reply, 401, 'This needs a console session: log in with the admin token.');
    }
    if (request.method === 'POST') {
      const sent = (request.body as Record<string, unknown> | undefined)?._csrf;
      if (typeof sent !== 'string' || !constantTimeEqual(sent, session.csrf))
        return refusal(
          reply,
          403,
          'The form was missing its CSRF token or it did not match; reload the page and try again.',
        );
    }
    (request as FastifyRequest & { consoleSession?: ConsoleSession }).consoleSession = session;
  };
}

/** The session `requireSession` found for this request. */
export function sessionOf(request: FastifyRequest): ConsoleSession {
  const session = (request as FastifyRequest & { consoleSession?: ConsoleSession }).consoleSession;
  if (!session) throw new Error('console route without requireSession');
  return session;
}

/** The guard `requireSession` returns. */
export type ConsoleGuard = ReturnType<typeof requireSession>;
