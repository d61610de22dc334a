// The server half of bench/event-listener.ts, in its own process, on Redis at REDIS_URL:
//   bare   a Fastify endpoint that parses and echoes the JSON body;
//   naive  the same trigger engine (HMAC, 10 triggers with CEL), then one awaited,
//          contract-validated add per rendered resource — no dedup, no ledger, no batching;
//   full   the real event-listener (dedup, enqueue, ledger, grouped across deliveries).
// Prints the port on stdout. `GET /bench/cpu` answers the process's CPU time so far (µs), so the
// driver can report CPU per request: on a shared machine that is steadier than req/s.
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { imageUpdatesQueue, notificationsQueue, type RunJob, runsQueue } from '@signalbox/contracts';
import { buildEventListener, createListenerMetrics, DeliveryLedger } from '@signalbox/event-listener';
import { createLogger, createMetricsRegistry, createProducer, createRedis } from '@signalbox/runtime';
import { createTriggerEngine, fileSecretStore, loadConfig, type TriggerEngine } from '@signalbox/triggers';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';

const mode = process.argv[2] as 'bare' | 'naive' | 'full';
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => process.exit(0));

/** Ten GitHub triggers, each with a secret, an event type and a CEL filter; one fires for the push. */
function benchEngine(): TriggerEngine {
  const root = mkdtempSync(join(tmpdir(), 'sb-bench-'));
  mkdirSync(join(root, 'config'));
  mkdirSync(join(root, 'secrets', 'gh'), { recursive: true });
  writeFileSync(join(root, 'secrets', 'gh', 'token'), 'bench-secret');
  const trigger = (i: number) => `    - name: t${i}
      interceptors:
        - ref: {name: github}
          params:
            - {name: secretRef, value: {secretName: gh, secretKey: token}}
            - {name: eventTypes, value: [push]}
        - ref: {name: cel}
          params:
            - name: filter
              value: "body.ref == 'refs/heads/${i === 0 ? 'develop' : `branch-${i}`}' && !body.commits[0].message.startsWith('[Update manifest]')"
      bindings:
        - {name: sha, value: $(body.after)}
        - {name: repo, value: $(body.repository.full_name)}
      template:
        spec:
          params: [{name: sha}, {name: repo}]
          resourcetemplates:
            - apiVersion: tekton.dev/v1
              kind: PipelineRun
              metadata: {generateName: build-}
              spec: {pipelineRef: {name: build}, params: [{name: sha, value: $(tt.params.sha)}, {name: repo, value: $(tt.params.repo)}]}
`;
  writeFileSync(
    join(root, 'config', 'el.yaml'),
    `apiVersion: triggers.tekton.dev/v1beta1\nkind: EventListener\nmetadata: {name: github}\nspec:\n  triggers:\n${Array.from({ length: 10 }, (_v, i) => trigger(i)).join('')}`,
  );
  const loaded = loadConfig(join(root, 'config'));
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
  return createTriggerEngine(loaded.config, { secrets: fileSecretStore(join(root, 'secrets')) });
}

function bare(): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 25 * 1024 * 1024 });
  app.post('/hooks/:listener', async (request, reply) => reply.code(202).send(request.body));
  return app;
}

function naive(engine: TriggerEngine, redis: Redis): FastifyInstance {
  const runs = createProducer(runsQueue, { connection: redis, prefix: 'bench-naive' });
  const app = Fastify({ logger: false, bodyLimit: 25 * 1024 * 1024 });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.post<{ Params: { listener: string } }>('/hooks/:listener', async (request, reply) => {
    const rawBody = request.body as Buffer;
    const eventID = randomUUID();
    const evaluation = await engine.evaluate(
      request.params.listener,
      { method: 'POST', url: request.url, headers: request.headers, rawBody },
      { eventID },
    );
    if (!evaluation?.authenticated) return reply.code(401).send({ error: 'unauthorized', message: '' });
    const fired = evaluation.triggers.flatMap((verdict) =>
      (verdict.resources ?? []).map((resource, index) => ({
        correlation: { deliveryId: eventID, eventId: eventID, listener: 'github', trigger: verdict.name },
        index,
        namespace: resource.namespace,
        resource: resource.object as RunJob['resource'],
      })),
    );
    if (fired.length > 0) await runs.add({ runs: fired });
    return reply.code(202).send({ eventID });
  });
  return app;
}

function full(engine: TriggerEngine, redis: Redis): FastifyInstance {
  const producer = <C extends Parameters<typeof createProducer>[0]>(c: C) =>
    createProducer(c, { connection: redis, prefix: 'bench' });
  const registry = createMetricsRegistry();
  return buildEventListener({
    engine: () => engine,
    redis,
    producers: {
      runs: producer(runsQueue),
      imageUpdates: producer(imageUpdatesQueue),
      notifications: producer(notificationsQueue),
    },
    ledger: new DeliveryLedger(redis, {
      prefix: 'bench:ledger',
      ttlSeconds: 600,
      maxRecords: 10_000,
      dedupWindowSeconds: 600,
    }),
    logger: createLogger({ level: 'silent' }),
    metrics: createListenerMetrics(registry),
    now: () => new Date(),
    ledgerBodyCapBytes: 1024 * 1024,
    ackDeadlineMs: 2_500,
    bodyLimit: 25 * 1024 * 1024,
    ready: () => ({ config: true, redis: true }),
  });
}

let app: FastifyInstance;
if (mode === 'bare') app = bare();
else {
  const redis = createRedis(process.env.REDIS_URL ?? '');
  await new Promise((r) => redis.once('ready', r));
  app = mode === 'naive' ? naive(benchEngine(), redis) : full(benchEngine(), redis);
}
app.get('/bench/cpu', async () => {
  const { user, system } = process.cpuUsage();
  return { micros: user + system };
});
await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`${(app.server.address() as { port: number }).port}\n`);
