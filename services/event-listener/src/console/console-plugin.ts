import { readFileSync } from 'node:fs';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import type { FastifyPluginAsync } from 'fastify';
import type { ConsoleDeps } from './console-deps.ts';
import { requireSession } from './console-session.ts';
import { createDeliveryFeed } from './delivery-feed.ts';
import { deliveryRoutes } from './delivery-routes.ts';
import { eventsRoute } from './events-route.ts';
import { loginRoutes } from './login-routes.ts';
import { createLoginThrottle } from './login-throttle.ts';
import { operationsRoutes } from './operations-routes.ts';
import { replayRoutes } from './replay-routes.ts';
import { createSessionStore } from './session-store.ts';

const asset = (name: string) => readFileSync(new URL(`./assets/${name}`, import.meta.url), 'utf8');

// No inline script or style anywhere, so the policy can forbid both: an HTML injection that got
// past the escaping still could not run.
const securityHeaders = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
} as const;

/**
 * The deliveries console as a Fastify plugin, registered under `/console` on the admin port only:
 * server-rendered pages (one stylesheet, one small script for the live list), a login with the
 * admin token that opens a server-side session (HttpOnly, SameSite=Strict cookie), a CSRF token on
 * every POST.
 */
export function deliveriesConsole(deps: ConsoleDeps): FastifyPluginAsync {
  return async (app) => {
    await app.register(cookie);
    await app.register(formbody, { bodyLimit: 64 * 1024 });
    const assets = {
      'console.css': ['text/css', asset('console.css')],
      'console.js': ['text/javascript', asset('console.js')],
    } as const;
    const sessions = createSessionStore(deps.redis, {
      prefix: deps.ledger.options.prefix,
      ttlSeconds: deps.sessionTtlSeconds ?? 8 * 3600,
    });
    const throttle = createLoginThrottle(deps.redis, {
      prefix: deps.ledger.options.prefix,
      perAddress: deps.loginThrottle?.perAddress ?? 10,
      overall: deps.loginThrottle?.overall ?? 100,
      windowSeconds: deps.loginThrottle?.windowSeconds ?? 15 * 60,
    });
    const feed = createDeliveryFeed(deps.redis, deps.ledger, {
      intervalMs: deps.feedIntervalMs ?? 500,
      onError: (err) =>
        deps.logger.warn({ err: (err as Error).message }, 'console live feed: reading the ledger failed'),
    });
    const guard = requireSession(sessions, deps.adminToken);
    app.addHook('onSend', async (_request, reply, payload) => {
      reply.headers(securityHeaders);
      return payload;
    });
    app.get('/', async (_request, reply) => reply.redirect('/console/deliveries', 303));
    app.get<{ Params: { name: string } }>('/assets/:name', async (request, reply) => {
      const found = assets[request.params.name as keyof typeof assets];
      if (!found) return reply.code(404).send({ error: 'not_found', message: 'no such asset' });
      return reply.type(`${found[0]}; charset=utf-8`).header('cache-control', 'no-cache').send(found[1]);
    });
    loginRoutes(app, { sessions, throttle, adminToken: deps.adminToken, logger: deps.logger }, guard);
    deliveryRoutes(app, deps, guard);
    replayRoutes(app, deps, guard);
    eventsRoute(app, deps, guard, feed);
    operationsRoutes(app, deps, guard);
  };
}
