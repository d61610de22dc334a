import type { FastifyInstance } from 'fastify';
import type { StoredVerdict } from '../delivery-ledger.ts';
import { eventIdPattern } from '../event-id-pattern.ts';
import type { ConsoleDeps } from './console-deps.ts';
import { type ConsoleGuard, sessionOf } from './console-session.ts';
import { deliveriesPage, filterOf, type ListQuery } from './deliveries-page.ts';
import { deliveryPage } from './delivery-page.ts';
import { html } from './html.ts';
import { jobOutcomes } from './job-outcomes.ts';
import { layout } from './layout.ts';
import { listDeliveries } from './list-deliveries.ts';
import { replayDelivery } from './replay-delivery.ts';
import { replayPage } from './replay-page.ts';

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
    outcome: { type: 'string', enum: ['', 'fired', 'none', 'replay'] },
    since: minute,
    until: minute,
    before: { type: 'string', pattern: '^\\d+~[0-9a-f-]{36}$' },
  },
} as const;

const eventParams = {
  type: 'object',
  required: ['eventID'],
  properties: { eventID: { type: 'string', pattern: eventIdPattern } },
} as const;

/** Rows per page; and index entries one page may read when a filter is selective. */
const pageSize = 50;
const maxScan = 2000;

/**
 * The deliveries list, a delivery's page, and its dry-run and real replay. Every route is behind
 * `guard` (session; CSRF token on the POSTs).
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
    '/deliveries/:eventID',
    { preHandler: guard, schema: { params: eventParams } },
    async (request, reply) => {
      const { csrf } = sessionOf(request);
      const record = await deps.ledger.get(request.params.eventID);
      reply.type('text/html; charset=utf-8');
      if (!record) return reply.code(404).send(notFound(request.params.eventID, csrf));
      const outcomes = await jobOutcomes(
        deps.queues,
        record.verdicts.flatMap((v) => v.resources ?? []),
      );
      return reply.send(
        page(`Delivery ${record.eventID.slice(0, 8)}`, csrf, deliveryPage({ record, outcomes, csrf })),
      );
    },
  );

  for (const [action, dryRun] of [
    ['dry-run', true],
    ['replay', false],
  ] as const)
    app.post<{ Params: { eventID: string }; Body: { confirm?: string } }>(
      `/deliveries/:eventID/${action}`,
      { preHandler: guard, schema: { params: eventParams } },
      async (request, reply) => {
        const { csrf } = sessionOf(request);
        const record = await deps.ledger.get(request.params.eventID);
        reply.type('text/html; charset=utf-8');
        if (!record) return reply.code(404).send(notFound(request.params.eventID, csrf));
        if (record.body === undefined)
          return reply
            .code(409)
            .send(
              page(
                'Not replayable',
                csrf,
                html`<p class="notice error" role="alert">The body of this delivery was not kept; it cannot be replayed.</p>`,
              ),
            );
        if (!dryRun && request.body?.confirm !== 'yes')
          return reply
            .code(400)
            .send(
              page(
                'Replay not confirmed',
                csrf,
                html`<p class="notice error" role="alert">A real replay needs the confirmation box ticked. <a href="/console/deliveries/${record.eventID}">Back</a></p>`,
              ),
            );
        const result = await replayDelivery(deps.intake, { ...record, body: record.body }, { dryRun });
        const answer = result.body as {
          eventID?: string;
          triggers?: StoredVerdict[];
          error?: string;
          message?: string;
        };
        if (!dryRun && result.status === 202 && answer.eventID) {
          deps.logger.info(
            { eventID: answer.eventID, replayOf: record.eventID },
            'console: delivery replayed',
          );
          return reply.redirect(`/console/deliveries/${answer.eventID}`, 303);
        }
        return reply
          .code(result.status === 202 ? 200 : result.status)
          .send(
            page(
              dryRun ? 'Dry-run replay' : 'Replay refused',
              csrf,
              replayPage({ record, status: result.status, result: answer, csrf }),
            ),
          );
      },
    );
}
