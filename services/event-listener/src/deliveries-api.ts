import { constantTimeEqual } from '@signalbox/triggers';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { replayDelivery } from './console/replay-delivery.ts';
import type { DeliveryLedger } from './delivery-ledger.ts';
import { eventIdPattern } from './event-id-pattern.ts';
import { httpErrors } from './http-errors.ts';
import type { IntakeDeps } from './intake.ts';

export interface DeliveriesApiDeps {
  /** The intake the webhooks use: a replay goes through it, authenticated by the admin token. */
  readonly intake: IntakeDeps;
  readonly ledger: DeliveryLedger;
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
 * The delivery API as a Fastify plugin, registered under `/api/v1`: list, show and replay
 * deliveries from the ledger, every route behind the admin bearer token and a schema.
 */
export function deliveriesApi(deps: DeliveriesApiDeps): FastifyPluginAsync {
  return async (app) => {
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
    }>('/deliveries', { onRequest: admin, schema: { querystring: listQuery } }, async (request) => {
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
      '/deliveries/:eventID',
      { onRequest: admin, schema: { params: eventIdParams } },
      async (request, reply) => {
        const record = await deps.ledger.get(request.params.eventID);
        if (!record)
          return reply.code(httpErrors.NOT_FOUND.status).send(unknownDelivery(request.params.eventID));
        return record;
      },
    );
    app.post<{ Params: { eventID: string }; Querystring: { dryRun?: 'true' | 'false' } }>(
      '/deliveries/:eventID/replay',
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
        const result = await replayDelivery(
          deps.intake,
          { ...record, body: record.body },
          {
            dryRun: request.query.dryRun === 'true',
          },
        );
        return reply.code(result.status).send(result.body);
      },
    );
  };
}
