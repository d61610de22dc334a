import type { FastifyInstance } from 'fastify';
import { eventIdPattern } from '../event-id-pattern.ts';
import type { ConsoleDeps } from './console-deps.ts';
import { type ConsoleGuard, sessionOf } from './console-session.ts';
import { deliveriesPage, filterOf, type ListQuery } from './deliveries-page.ts';
import { deliveryPage } from './delivery-page.ts';
import { explainVerdict } from './explain-verdict.ts';
import { findRefusal } from './find-refusal.ts';
import { html } from './html.ts';
import { jobOutcomes } from './job-outcomes.ts';
import { layout } from './layout.ts';
import { listDeliveries } from './list-deliveries.ts';
import { readTrail } from './read-trail.ts';

const text = { type: 'string', maxLength: 256 } as const;
const minute = { type: 'string', pattern: '^(\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2})?)?$' } as const;

/** The list's query: every field optional, empty meaning "any" (what an untouched form sends). */
export const listQuerySchema = {
  type: 'object',
  properties: {
    listener: text,
    repo: text,
    sha: { type: 'string', pattern: '^[0-9a-fA-F]{0,40}$' },
    event: text,
    outcome: { type: 'string', enum: ['', 'fired', 'none', 'rejected', 'duplicate', 'replay'] },
    since: minute,
    until: minute,
    before: { type: 'string', pattern: '^\\d+~[0-9a-f-]{36}$' },
  },
} as const;

/** An event id in the path; nothing else reaches Redis. */
export const eventParams = {
  type: 'object',
  required: ['eventID'],
  properties: { eventID: { type: 'string', pattern: eventIdPattern } },
} as const;

/** Rows per page; and index entries one page may read when a filter is selective. */
const pageSize = 50;
const maxScan = 2000;

/**
 * The deliveries list and a delivery's page, behind `guard` (replays: `replayRoutes`).
 */
export function deliveryRoutes(app: FastifyInstance, deps: ConsoleDeps, guard: ConsoleGuard) {
  const page = (title: string, csrf: string, body: ReturnType<typeof html>) =>
    layout({ title, section: 'deliveries', csrf, body }).text;
  const notFound = (eventID: string, csrf: string) =>
    page(
      'Not found',
      csrf,
      html`<p class="notice error" role="alert">No delivery ${eventID}: unknown or expired.</p>`,
    );

  app.get<{ Querystring: ListQuery }>(
    '/deliveries',
    { preHandler: guard, schema: { querystring: listQuerySchema } },
    async (request, reply) => {
      const { query } = request;
      const [score, eventID] = query.before?.split('~') ?? [];
      const result = await listDeliveries(deps.redis, deps.ledger, {
        filter: filterOf(query),
        ...(score && eventID ? { cursor: { score: Number(score), eventID } } : {}),
        limit: pageSize,
        maxScan,
      });
      const listeners = [...(deps.intake.engine()?.config.listeners.keys() ?? [])];
      const body = deliveriesPage({ query, page: result, listeners, now: deps.intake.now() });
      return reply.type('text/html; charset=utf-8').send(page('Deliveries', sessionOf(request).csrf, body));
    },
  );

  app.get<{ Params: { eventID: string } }>(
    '/refusals/:eventID',
    { preHandler: guard, schema: { params: eventParams } },
    async (request, reply) => {
      const { csrf } = sessionOf(request);
      const record = await findRefusal(deps.redis, deps.ledger, request.params.eventID);
      reply.type('text/html; charset=utf-8');
      if (!record) return reply.code(404).send(notFound(request.params.eventID, csrf));
      const body = deliveryPage({ record, outcomes: [], explanations: new Map(), trail: [], csrf });
      return reply.send(page(`Refused ${record.eventID.slice(0, 8)}`, csrf, body));
    },
  );

  app.get<{ Params: { eventID: string } }>(
    '/deliveries/:eventID',
    { preHandler: guard, schema: { params: eventParams } },
    async (request, reply) => {
      const { csrf } = sessionOf(request);
      const record = await deps.ledger.get(request.params.eventID);
      reply.type('text/html; charset=utf-8');
      if (!record) return reply.code(404).send(notFound(request.params.eventID, csrf));
      const [outcomes, trail] = await Promise.all([
        jobOutcomes(
          deps.queues,
          record.verdicts.flatMap((v) => v.resources ?? []),
        ),
        readTrail(deps.redis, deps.ledger, record.eventID),
      ]);
      const engine = deps.intake.engine();
      const explanations = new Map(
        await Promise.all(
          record.verdicts
            .filter((v) => !v.fired)
            .map(async (v) => [v.name, await explainVerdict(engine, record, v)] as const),
        ),
      );
      return reply.send(
        page(
          `Delivery ${record.eventID.slice(0, 8)}`,
          csrf,
          deliveryPage({ record, outcomes, explanations, trail, csrf }),
        ),
      );
    },
  );
}
