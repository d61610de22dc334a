import type { FastifyInstance, FastifyReply } from 'fastify';
import type { DeliveryRecord, StoredVerdict } from '../delivery-ledger.ts';
import type { ConsoleDeps } from './console-deps.ts';
import { type ConsoleGuard, sessionOf } from './console-session.ts';
import { eventParams } from './delivery-routes.ts';
import { html } from './html.ts';
import { layout } from './layout.ts';
import { replayDelivery } from './replay-delivery.ts';
import { replayPage } from './replay-page.ts';

type IntakeAnswer = { eventID?: string; triggers?: StoredVerdict[]; error?: string; message?: string };

function refuse(
  reply: FastifyReply,
  status: number,
  title: string,
  csrf: string,
  message: ReturnType<typeof html>,
) {
  const body = html`<p class="notice error" role="alert">${message}</p>`;
  return reply.code(status).send(layout({ title, section: 'deliveries', csrf, body }).text);
}

async function replay(
  deps: ConsoleDeps,
  reply: FastifyReply,
  record: DeliveryRecord,
  dryRun: boolean,
  csrf: string,
) {
  if (record.body === undefined)
    return refuse(
      reply,
      409,
      'Not replayable',
      csrf,
      html`The body of this delivery was not kept; it cannot be replayed.`,
    );
  const result = await replayDelivery(deps.intake, { ...record, body: record.body }, { dryRun });
  const answer = result.body as IntakeAnswer;
  if (!dryRun && result.status === 202 && answer.eventID) {
    deps.logger.info({ eventID: answer.eventID, replayOf: record.eventID }, 'console: delivery replayed');
    return reply.redirect(`/console/deliveries/${answer.eventID}`, 303);
  }
  const body = replayPage({ record, status: result.status, result: answer, csrf });
  return reply
    .code(result.status === 202 ? 200 : result.status)
    .send(
      layout({ title: dryRun ? 'Dry-run replay' : 'Replay refused', section: 'deliveries', csrf, body }).text,
    );
}

/**
 * `POST /console/deliveries/:eventID/dry-run` (verdicts against the current config beside the
 * original ones, nothing stored) and `/replay` (for real, only with `confirm=yes` from the dry-run
 * page's checkbox; lands on the new delivery), behind `guard`.
 */
export function replayRoutes(app: FastifyInstance, deps: ConsoleDeps, guard: ConsoleGuard) {
  for (const [action, dryRun] of [
    ['dry-run', true],
    ['replay', false],
  ] as const) {
    app.post<{ Params: { eventID: string }; Body: { confirm?: string } }>(
      `/deliveries/:eventID/${action}`,
      { preHandler: guard, schema: { params: eventParams } },
      async (request, reply) => {
        const { csrf } = sessionOf(request);
        const { eventID } = request.params;
        reply.type('text/html; charset=utf-8');
        if (!dryRun && request.body?.confirm !== 'yes')
          return refuse(
            reply,
            400,
            'Replay not confirmed',
            csrf,
            html`A real replay needs the confirmation box ticked. <a href="/console/deliveries/${eventID}">Back</a>`,
          );
        const record = await deps.ledger.get(eventID);
        if (!record)
          return refuse(reply, 404, 'Not found', csrf, html`No delivery ${eventID}: unknown or expired.`);
        return replay(deps, reply, record, dryRun, csrf);
      },
    );
  }
}
