import type { Queue } from 'bullmq';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { deliveriesConsole } from './console/console-plugin.ts';
import { type DeliveriesApiDeps, deliveriesApi } from './deliveries-api.ts';
import { installJsonErrors } from './install-json-errors.ts';
import { jsonErrorOptions } from './json-error-options.ts';
import { type ListenerReadiness, readinessAnswer } from './readiness.ts';

export interface AdminApiDeps extends DeliveriesApiDeps {
  readonly registry: Registry;
  readonly logger: Logger;
  /** Readiness: config loaded, Redis reachable, the config's secrets readable. */
  ready(): ListenerReadiness;
  /**
   * What the deliveries console needs beyond the delivery API (its sessions and live feed in
   * Redis, the queues for job fates and dead letters); without it `/console` is not served.
   */
  readonly console?: { readonly redis: Redis; readonly queues: readonly Queue[] };
}

/**
 * The admin surface as an un-started Fastify app, for ADMIN_PORT only (never the webhook port):
 * `/metrics`, `/healthz`, `/readyz`, and the delivery API (`deliveriesApi`, under `/api/v1`)
 * behind the admin bearer token, and the deliveries console under `/console` (its own login with the
 * same token; see `deliveriesConsole`). Every route validates its input with a schema — an event id is
 * a UUID, nothing else reaches Redis.
 */
export function buildAdminApi(deps: AdminApiDeps): FastifyInstance {
  const app = Fastify({ logger: false, return503OnClosing: true, ...jsonErrorOptions() });
  installJsonErrors(app, { logger: deps.logger });
  app.addHook('preClose', (done) => {
    app.server.keepAliveTimeout = 1;
    done();
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const answer = readinessAnswer(deps.ready());
    return reply.code(answer.status).send(answer.body);
  });
  app.get('/metrics', async (_request, reply) =>
    reply.header('content-type', deps.registry.contentType).send(await deps.registry.metrics()),
  );

  app.register(deliveriesApi(deps), { prefix: '/api/v1' });
  if (deps.console) {
    const { ledger, intake, adminToken, logger } = deps;
    app.register(deliveriesConsole({ ...deps.console, ledger, intake, adminToken, logger }), {
      prefix: '/console',
    });
  }
  return app;
}
