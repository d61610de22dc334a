import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { DeliveryRecord } from '../delivery-ledger.ts';
import type { ConsoleDeps } from './console-deps.ts';
import type { ConsoleGuard } from './console-session.ts';
import { filterOf, type ListQuery } from './deliveries-page.ts';
import type { DeliveryFeed } from './delivery-feed.ts';
import { matchesFilter } from './delivery-filter.ts';
import { listQuerySchema } from './delivery-routes.ts';
import { deliveryRow } from './delivery-row.ts';
import { listDeliveries } from './list-deliveries.ts';

/** One server-sent event; a multi-line payload becomes several `data:` lines (the client rejoins them). */
const sse = (event: string, data: string) =>
  `event: ${event}\n${data
    .split('\n')
    .map((line) => `data: ${line}`)
    .join('\n')}\n\n`;

/**
 * `GET /console/events`: the live deliveries list as server-sent events, one `delivery` event per
 * new record that passes the list's filter, its data the rendered row. `from` (epoch ms, the time
 * the page was rendered) first sends what arrived between the render and the connection.
 */
export function eventsRoute(
  app: FastifyInstance,
  deps: ConsoleDeps,
  guard: ConsoleGuard,
  feed: DeliveryFeed,
) {
  const streams = new Set<ServerResponse>();
  app.addHook('preClose', async () => {
    feed.stop();
    for (const stream of streams) stream.end();
  });
  app.get<{ Querystring: ListQuery & { from?: number } }>(
    '/events',
    {
      preHandler: guard,
      schema: {
        querystring: {
          ...listQuerySchema,
          properties: { ...listQuerySchema.properties, from: { type: 'integer', minimum: 0 } },
        },
      },
    },
    async (request, reply) => {
      const filter = filterOf(request.query);
      reply.hijack();
      const stream = reply.raw;
      stream.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        'x-accel-buffering': 'no',
      });
      // Rows can still be on their way when the client has gone or the app is closing.
      const write = (text: string) => {
        if (!stream.writableEnded && !stream.destroyed) stream.write(text);
      };
      // A proxy closes an idle stream; a comment every 15 s keeps it open and finds dead clients.
      write('retry: 2000\n\n');
      const heartbeat = setInterval(() => write(': ping\n\n'), 15_000);
      const send = (record: Omit<DeliveryRecord, 'body'>) => {
        if (matchesFilter(record, filter))
          write(sse('delivery', deliveryRow(record, deps.intake.now()).text));
      };
      const unsubscribe = feed.subscribe(send);
      streams.add(stream);
      stream.on('close', () => {
        clearInterval(heartbeat);
        unsubscribe();
        streams.delete(stream);
      });
      const { from } = request.query;
      if (from === undefined) return;
      try {
        const missed = await listDeliveries(deps.redis, deps.ledger, {
          filter: { ...filter, since: from },
          limit: 50,
          maxScan: 500,
        });
        for (const record of missed.items.reverse()) send(record);
      } catch (err) {
        // The client reconnects (`retry`) and asks again from the same moment.
        deps.logger.warn({ err: (err as Error).message }, 'console live feed: reading the ledger failed');
        stream.end();
      }
    },
  );
}
