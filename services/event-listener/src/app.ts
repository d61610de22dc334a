import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { DeliveryLedger } from './delivery-ledger.ts';
import { createDeliveryStore, type Producers } from './delivery-store.ts';
import { handleDelivery, type IntakeDeps } from './intake.ts';

export interface EventListenerDeps extends Omit<IntakeDeps, 'store'> {
  readonly producers: Producers;
  /** The connection the intake's commit script runs on (the producers' and ledger's). */
  readonly redis: Redis;
  /** The delivery ledger: written through the intake's grouped store, read by the admin API. */
  readonly ledger: DeliveryLedger;
  readonly registry: Registry;
  /** Readiness: config loaded and Redis reachable. */
  ready(): { config: boolean; redis: boolean };
  /** The admin bearer token (read from its secret file); undefined disables the admin API. */
  adminToken(): string | undefined;
  /** Request body limit in bytes (default 25 MiB). */
  readonly bodyLimit: number;
}

/** The `error` code of each status this service answers with. */
const errorCodes: Readonly<Record<number, string>> = {
  400: 'bad_request',
  401: 'unauthorized',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
};

const unknownDelivery = (eventID: string) => ({
  error: 'not_found',
  message: `no delivery ${eventID} (unknown or expired)`,
});

function tokenMatches(header: string | undefined, token: string | undefined): boolean {
  if (!token || !header?.startsWith('Bearer ')) return false;
  const a = createHash('sha256').update(header.slice(7)).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b);
}

/**
 * The event-listener as an un-started Fastify app: `POST /hooks/:listener`, health and metrics,
 * and the admin delivery API. Every error is JSON `{error, message}` with its status.
 */
export function buildEventListener(deps: EventListenerDeps): FastifyInstance {
  const intake: IntakeDeps = { ...deps, store: createDeliveryStore(deps) };
  const app = Fastify({ logger: false, bodyLimit: deps.bodyLimit, return503OnClosing: true });
  // The raw bytes are what GitHub signs: take every body as a Buffer and parse it ourselves.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  // Draining: a keep-alive connection whose last request finishes after close() began would stay
  // open for keepAliveTimeout (5 s) and hold the shutdown; end such connections at once instead.
  app.addHook('preClose', (done) => {
    app.server.keepAliveTimeout = 1;
    done();
  });
  app.setErrorHandler((err: { statusCode?: number; message: string }, request, reply) => {
    const status = err.statusCode ?? 500;
    if (status >= 500) {
      // The cause goes to the log, not to the sender.
      deps.logger.error({ err: err.message, url: request.url.split('?')[0] }, 'request failed');
      return reply.code(status).send({ error: 'internal', message: 'internal error; see the service log' });
    }
    const message = status === 413 ? `body is larger than the limit of ${deps.bodyLimit} bytes` : err.message;
    deps.logger.info({ status, url: request.url.split('?')[0], reason: message }, 'request rejected');
    return reply.code(status).send({ error: errorCodes[status] ?? 'bad_request', message });
  });
  app.setNotFoundHandler((request, reply) => {
    reply
      .code(404)
      .send({ error: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` });
  });
  app.route({
    method: ['GET', 'PUT', 'PATCH', 'DELETE'],
    url: '/hooks/:listener',
    handler: async (_request, reply) =>
      reply
        .code(405)
        .header('allow', 'POST')
        .send({ error: 'method_not_allowed', message: 'webhooks are delivered with POST' }),
  });

  app.post<{ Params: { listener: string } }>('/hooks/:listener', async (request, reply) => {
    const rawBody = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const result = await handleDelivery(intake, {
      listener: request.params.listener,
      url: request.url,
      headers: request.headers,
      rawBody,
    });
    return reply.code(result.status).send(result.body);
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const checks = deps.ready();
    const ready = checks.config && checks.redis;
    return reply.code(ready ? 200 : 503).send({ ready, checks });
  });
  app.get('/metrics', async (_request, reply) =>
    reply.header('content-type', deps.registry.contentType).send(await deps.registry.metrics()),
  );

  const admin = async (request: FastifyRequest) => {
    if (!tokenMatches(request.headers.authorization, deps.adminToken())) {
      throw Object.assign(new Error('a valid admin bearer token is required'), { statusCode: 401 });
    }
  };
  app.get<{
    Querystring: { listener?: string; repo?: string; sha?: string; deliveryId?: string; limit?: string };
  }>('/api/v1/deliveries', { onRequest: admin }, async (request) => {
    const { listener, repo, sha, deliveryId, limit } = request.query;
    const items = await deps.ledger.list({
      ...(listener ? { listener } : {}),
      ...(repo ? { repo } : {}),
      ...(sha ? { sha } : {}),
      ...(deliveryId ? { deliveryId } : {}),
      ...(limit ? { limit: Number(limit) || 100 } : {}),
    });
    return { items };
  });
  app.get<{ Params: { eventID: string } }>(
    '/api/v1/deliveries/:eventID',
    { onRequest: admin },
    async (request, reply) => {
      const record = await deps.ledger.get(request.params.eventID);
      if (!record) return reply.code(404).send(unknownDelivery(request.params.eventID));
      return record;
    },
  );
  app.post<{ Params: { eventID: string }; Querystring: { dryRun?: string } }>(
    '/api/v1/deliveries/:eventID/replay',
    { onRequest: admin },
    async (request, reply) => {
      const record = await deps.ledger.get(request.params.eventID);
      if (!record) return reply.code(404).send(unknownDelivery(request.params.eventID));
      if (record.body === undefined) {
        return reply.code(409).send({
          error: 'not_replayable',
          message: 'the body was larger than the ledger cap and was not kept',
        });
      }
      const result = await handleDelivery(
        intake,
        {
          listener: record.listener,
          url: `/hooks/${record.listener}`,
          headers: { ...record.headers, 'content-type': record.contentType },
          rawBody: Buffer.from(record.body, 'utf8'),
        },
        { replay: { of: record.eventID, eventID: randomUUID() }, dryRun: request.query.dryRun === 'true' },
      );
      return reply.code(result.status).send(result.body);
    },
  );
  return app;
}
