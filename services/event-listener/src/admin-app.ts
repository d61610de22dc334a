import { randomUUID } from 'node:crypto';
import { constantTimeEqual } from '@signalbox/triggers';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { DeliveryLedger } from './delivery-ledger.ts';
import { eventIdPattern } from './event-id-pattern.ts';
import { httpErrors } from './http-errors.ts';
import { installJsonErrors } from './install-json-errors.ts';
import { handleDelivery, type IntakeDeps } from './intake.ts';
import { jsonErrorOptions } from './json-error-options.ts';
import { type ListenerReadiness, readinessAnswer } from './readiness.ts';

export interface AdminApiDeps {
  /** The intake the webhooks use: a replay goes through it, authenticated by the admin token. */
  readonly intake: IntakeDeps;
  readonly ledger: DeliveryLedger;
  readonly registry: Registry;
  readonly logger: Logger;
  /** Readiness: config loaded, Redis reachable, the config's secrets readable. */
  ready(): ListenerReadiness;
  /** The admin bearer token (read from its secret file); undefined disables the delivery API. */
  adminToken(): string | undefined;
}

const unknownDelivery = (eventID: string) => ({
  error: httpErrors.NOT_FOUND.code,
  message: `no delivery ${eventID} (unknown or expired)`,
});

const eventIdParams = {
  type: 'object',
  required: ['eventID'],
  properties: { eventID: { type: 'string', pattern: eventIdPattern } },
} as const;

const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    listener: { type: 'string', minLength: 1, maxLength: 253 },
    repo: { type: 'string', minLength: 1, maxLength: 256 },
    sha: { type: 'string', minLength: 1, maxLength: 64 },
    deliveryId: { type: 'string', minLength: 1, maxLength: 128 },
    limit: { type: 'integer', minimum: 1, maximum: 1000 },
  },
} as const;

/**
 * The admin surface as an un-started Fastify app, for ADMIN_PORT only (never the webhook port):
 * `/metrics`, `/healthz`, `/readyz`, and the delivery API behind the admin bearer token. Every
 * route validates its input with a schema — an event id is a UUID, nothing else reaches Redis.
 */
// long-function: not yet split (issue 15): the delivery routes to become a Fastify plugin under /api/v1
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

  const admin = async (request: FastifyRequest) => {
    const token = deps.adminToken();
    const header = request.headers.authorization;
    if (!token || !header?.startsWith('Bearer ') || !constantTimeEqual(header.slice(7), token)) {
      const { status, message } = httpErrors.ADMIN_TOKEN_REQUIRED;
      throw Object.assign(new Error(message), { statusCode: status });
    }
  };
  app.get<{
    Querystring: { listener?: string; repo?: string; sha?: string; deliveryId?: string; limit?: number };
  }>('/api/v1/deliveries', { onRequest: admin, schema: { querystring: listQuery } }, async (request) => {
    const { listener, repo, sha, deliveryId, limit } = request.query;
    const items = await deps.ledger.list({
      ...(listener ? { listener } : {}),
      ...(repo ? { repo } : {}),
      ...(sha ? { sha } : {}),
      ...(deliveryId ? { deliveryId } : {}),
      ...(limit ? { limit } : {}),
    });
    return { items };
  });
  app.get<{ Params: { eventID: string } }>(
    '/api/v1/deliveries/:eventID',
    { onRequest: admin, schema: { params: eventIdParams } },
    async (request, reply) => {
      const record = await deps.ledger.get(request.params.eventID);
      if (!record)
        return reply.code(httpErrors.NOT_FOUND.status).send(unknownDelivery(request.params.eventID));
      return record;
    },
  );
  app.post<{ Params: { eventID: string }; Querystring: { dryRun?: 'true' | 'false' } }>(
    '/api/v1/deliveries/:eventID/replay',
    {
      onRequest: admin,
      schema: {
        params: eventIdParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { dryRun: { type: 'string', enum: ['true', 'false'] } },
        },
      },
    },
    async (request, reply) => {
      const record = await deps.ledger.get(request.params.eventID);
      if (!record)
        return reply.code(httpErrors.NOT_FOUND.status).send(unknownDelivery(request.params.eventID));
      if (record.body === undefined) {
        const { status, code, message } = httpErrors.NOT_REPLAYABLE;
        return reply.code(status).send({ error: code, message });
      }
      const result = await handleDelivery(
        deps.intake,
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
