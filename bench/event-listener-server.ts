// The server half of bench/event-listener.ts, in its own process: `bare` is a Fastify endpoint
// that parses and echoes the JSON body; `full` is the real event-listener (HMAC, 10 triggers with
// CEL, enqueue, ledger) on Redis at REDIS_URL. Prints the port on stdout. `GET /bench/cpu` answers
// the process's CPU time so far (µs), so the driver can report CPU per request: on a shared
// machine that is steadier than req/s.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { imageUpdatesQueue, notificationsQueue, runsQueue } from '@signalbox/contracts';
import { buildEventListener, createListenerMetrics, DeliveryLedger } from '@signalbox/event-listener';
import { createLogger, createMetricsRegistry, createProducer, createRedis } from '@signalbox/runtime';
import { createTriggerEngine, fileSecretStore, loadConfig } from '@signalbox/triggers';
import Fastify from 'fastify';

const mode = process.argv[2];
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => process.exit(0));
const cpu = () => {
  const { user, system } = process.cpuUsage();
  return { micros: user + system };
};
if (mode === 'bare') {
  const app = Fastify({ logger: false, bodyLimit: 25 * 1024 * 1024 });
  app.post('/hooks/:listener', async (request, reply) => reply.code(202).send(request.body));
  app.get('/bench/cpu', async () => cpu());
  await app.listen({ port: 0, host: '127.0.0.1' });
  process.stdout.write(`${(app.server.address() as { port: number }).port}\n`);
} else {
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
  const redis = createRedis(process.env.REDIS_URL ?? '');
  await new Promise((r) => redis.once('ready', r));
  const producer = <C extends Parameters<typeof createProducer>[0]>(c: C) =>
    createProducer(c, { connection: redis, prefix: 'bench' });
  const registry = createMetricsRegistry();
  const app = buildEventListener({
    engine: (() => {
      const engine = createTriggerEngine(loaded.config, { secrets: fileSecretStore(join(root, 'secrets')) });
      return () => engine;
    })(),
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
    registry,
    bodyLimit: 25 * 1024 * 1024,
    ready: () => ({ config: true, redis: true }),
    adminToken: () => undefined,
  });
  app.get('/bench/cpu', async () => cpu());
  await app.listen({ port: 0, host: '127.0.0.1' });
  process.stdout.write(`${(app.server.address() as { port: number }).port}\n`);
}
