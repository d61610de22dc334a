import type { FastifyInstance } from 'fastify';
import type { ConsoleDeps } from './console-deps.ts';
import { type ConsoleGuard, sessionOf } from './console-session.ts';
import { listDeadLetters, retryDeadLetter } from './dead-letters.ts';
import { deadLettersPage } from './dead-letters-page.ts';
import { layout } from './layout.ts';
import { queueStats } from './queue-stats.ts';
import { queuesPage } from './queues-page.ts';

/** Failed jobs shown per queue (the newest). */
const deadLettersPerQueue = 100;

const notices: Record<string, string> = {
  retried: 'The job is back in its queue.',
  gone: 'That job is no longer failed (retried already, or removed).',
  'retried-all': 'Every failed job is back in its queue.',
};

/** Dead letters (list, retry one, retry all) and queue depth, behind `guard`. */
export function operationsRoutes(app: FastifyInstance, deps: ConsoleDeps, guard: ConsoleGuard) {
  app.get<{ Querystring: { done?: string } }>(
    '/dead-letters',
    {
      preHandler: guard,
      schema: { querystring: { type: 'object', properties: { done: { type: 'string', maxLength: 32 } } } },
    },
    async (request, reply) => {
      const { csrf } = sessionOf(request);
      const letters = await listDeadLetters(deps.queues, deadLettersPerQueue);
      const notice = request.query.done ? notices[request.query.done] : undefined;
      const body = deadLettersPage({ letters, csrf, ...(notice ? { notice } : {}) });
      return reply
        .type('text/html; charset=utf-8')
        .send(layout({ title: 'Dead letters', section: 'dead-letters', csrf, body }).text);
    },
  );
  app.post<{ Body: { queue?: string; jobId?: string } }>(
    '/dead-letters/retry',
    {
      preHandler: guard,
      schema: {
        body: {
          type: 'object',
          required: ['queue', 'jobId'],
          properties: {
            queue: { type: 'string', maxLength: 128 },
            jobId: { type: 'string', maxLength: 512 },
          },
        },
      },
    },
    async (request, reply) => {
      const { queue, jobId } = request.body as { queue: string; jobId: string };
      const retried = await retryDeadLetter(deps.queues, queue, jobId);
      deps.logger.info({ queue, jobId, retried }, 'console: dead letter retried');
      return reply.redirect(`/console/dead-letters?done=${retried ? 'retried' : 'gone'}`, 303);
    },
  );
  app.post('/dead-letters/retry-all', { preHandler: guard }, async (_request, reply) => {
    await Promise.all(deps.queues.map((q) => q.retryJobs({ state: 'failed' })));
    deps.logger.info('console: every dead letter retried');
    return reply.redirect('/console/dead-letters?done=retried-all', 303);
  });
  app.get('/queues', { preHandler: guard }, async (request, reply) => {
    const { csrf } = sessionOf(request);
    const body = queuesPage(await queueStats(deps.redis, deps.queues, Date.now()));
    return reply
      .type('text/html; charset=utf-8')
      .send(layout({ title: 'Queues', section: 'queues', csrf, body }).text);
  });
}
