import { createHmac, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { imageUpdatesQueue, notificationsQueue, runsQueue } from '@signalbox/contracts';
import { createLogger, createMetricsRegistry, createProducer, createRedis } from '@signalbox/runtime';
import { createTriggerEngine, fileSecretStore, type GitHubFiles, loadConfig } from '@signalbox/triggers';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { buildAdminApi } from '../src/admin-app.ts';
import { type BodyLimits, buildEventListener } from '../src/app.ts';
import type { BackPressure } from '../src/back-pressure.ts';
import { type BodyBudget, createBodyBudget } from '../src/body-budget.ts';
import { DeliveryLedger } from '../src/delivery-ledger.ts';
import { createDeliveryStore, type Producers } from '../src/delivery-store.ts';
import { createListenerMetrics } from '../src/listener-metrics.ts';

export const githubSecret = 'gh-webhook-secret';
export const harborAuth = 'Bearer 3c1e2f0d9b7a4e6c8d5f1a2b3c4d5e6f';
export const adminToken = 'admin-token-for-tests';

/** A GitHub catch-all (every event fires, renders a PipelineRun) and a Harbor listener (ImageUpdate + Notification). */
export const testConfig = `apiVersion: triggers.tekton.dev/v1beta1
kind: EventListener
metadata: {name: github, namespace: ci}
spec:
  triggers:
    - name: catch-all
      interceptors:
        - ref: {name: github}
          params:
            - name: secretRef
              value: {secretName: github, secretKey: token}
        - ref: {name: cel}
          params:
            - name: overlays
              value:
                - {key: event, expression: "header.canonical('X-GitHub-Event')"}
      bindings:
        - {name: event, value: $(extensions.event)}
      template:
        spec:
          params: [{name: event}]
          resourcetemplates:
            - apiVersion: tekton.dev/v1
              kind: PipelineRun
              metadata: {generateName: on-$(tt.params.event)-}
              spec:
                pipelineRef: {name: ci}
                params: [{name: event, value: $(tt.params.event)}]
    - name: pushes-only
      interceptors:
        - ref: {name: github}
          params:
            - name: secretRef
              value: {secretName: github, secretKey: token}
            - name: eventTypes
              value: [push]
      template:
        spec:
          resourcetemplates:
            - apiVersion: signalbox.dev/v1alpha1
              kind: Notification
              spec: {kind: run.queued, data: {}}
---
apiVersion: triggers.tekton.dev/v1beta1
kind: EventListener
metadata: {name: harbor, namespace: ci}
spec:
  triggers:
    - name: image
      interceptors:
        - ref: {name: harbor}
          params:
            - name: secretRef
              value: {secretName: harbor, secretKey: auth}
      bindings:
        - {name: image, value: $(extensions.harbor.image)}
        - {name: tag, value: $(extensions.harbor.tag)}
        - {name: type, value: $(extensions.harbor.type)}
      template:
        spec:
          params: [{name: image}, {name: tag, default: none}, {name: type}]
          resourcetemplates:
            - apiVersion: signalbox.dev/v1alpha1
              kind: ImageUpdate
              spec: {image: $(tt.params.image), tag: $(tt.params.tag), event: $(tt.params.type)}
`;

export interface TestListener {
  /** The webhook side (PORT). */
  readonly app: FastifyInstance;
  /** The admin side (ADMIN_PORT): delivery API, /metrics. */
  readonly admin: FastifyInstance;
  readonly budget: BodyBudget;
  readonly producers: Producers;
  readonly ledger: DeliveryLedger;
  readonly redis: Redis;
  /** Jobs per queue, read from Redis. */
  counts(): Promise<{ runs: number; imageUpdates: number; notifications: number }>;
  close(): Promise<void>;
}

export function sign(raw: string | Buffer, secret = githubSecret): string {
  return `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;
}

/** A signed GitHub push's headers for `body`, under a fresh delivery id. */
export function signedPushHeaders(body: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-github-event': 'push',
    'x-github-delivery': randomUUID(),
    'x-hub-signature-256': sign(body),
  };
}

/** The event-listener wired as main.ts does, against a real Redis, with a temp config and secrets. */
export async function buildTestListener(options: {
  redisUrl: string;
  prefix: string;
  config?: string;
  bodyLimit?: number;
  limits?: Partial<BodyLimits>;
  maxBufferedBytes?: number;
  /** Bounds on substituted values and rendered objects (the engine's defaults otherwise). */
  renderLimits?: { maxParamBytes?: number; maxObjectBytes?: number };
  ackDeadlineMs?: number;
  /** The GitHub API for `addChangedFiles` (the test kit's fake through octokit). */
  github?: GitHubFiles;
  /** The backlog bound, built over this listener's producers. */
  backPressure?: (producers: Producers) => BackPressure;
}): Promise<TestListener> {
  const root = mkdtempSync(join(tmpdir(), 'sb-el-'));
  mkdirSync(join(root, 'config'));
  writeFileSync(join(root, 'config', 'listeners.yaml'), options.config ?? testConfig);
  for (const [path, value] of Object.entries({ 'github/token': githubSecret, 'harbor/auth': harborAuth })) {
    mkdirSync(join(root, 'secrets', path, '..'), { recursive: true });
    writeFileSync(join(root, 'secrets', path), value);
  }
  const loaded = loadConfig(join(root, 'config'));
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
  const engine = createTriggerEngine(loaded.config, {
    secrets: fileSecretStore(join(root, 'secrets')),
    ...(options.github ? { github: options.github } : {}),
    ...(options.renderLimits ? { limits: options.renderLimits } : {}),
  });
  const redis = createRedis(options.redisUrl, { name: 'test-listener' });
  await new Promise<void>((resolve) =>
    redis.status === 'ready' ? resolve() : redis.once('ready', () => resolve()),
  );
  const producers: Producers = {
    runs: createProducer(runsQueue, { connection: redis, prefix: options.prefix }),
    imageUpdates: createProducer(imageUpdatesQueue, { connection: redis, prefix: options.prefix }),
    notifications: createProducer(notificationsQueue, { connection: redis, prefix: options.prefix }),
  };
  const ledger = new DeliveryLedger(redis, {
    prefix: `${options.prefix}:ledger`,
    ttlSeconds: 3600,
    maxRecords: 10_000,
    dedupWindowSeconds: 3600,
  });
  const registry = createMetricsRegistry();
  const logger = createLogger({ level: 'silent' });
  const ready = () => ({ config: true, redis: redis.status === 'ready' });
  const intakeDeps = {
    engine: () => engine,
    logger,
    metrics: createListenerMetrics(registry),
    now: () => new Date(),
    ledgerBodyCapBytes: 1024 * 1024,
    ackDeadlineMs: options.ackDeadlineMs ?? 2_500,
  };
  const store = createDeliveryStore({ redis, producers, ledger });
  const budget = createBodyBudget(options.maxBufferedBytes ?? 64 * 1024 * 1024);
  const app = buildEventListener({
    ...intakeDeps,
    producers,
    redis,
    ledger,
    store,
    ready,
    bodyLimit: options.bodyLimit ?? 25 * 1024 * 1024,
    ...(options.limits ? { limits: options.limits } : {}),
    budget,
    ...(options.backPressure ? { backPressure: options.backPressure(producers) } : {}),
  });
  const admin = buildAdminApi({
    intake: { ...intakeDeps, store },
    ledger,
    registry,
    logger,
    ready,
    adminToken: () => adminToken,
    console: { redis, queues: Object.values(producers).map((p) => p.queue) },
  });
  await app.ready();
  await admin.ready();
  const count = (p: { queue: { getJobCountByTypes(...t: string[]): Promise<number> } }) =>
    p.queue.getJobCountByTypes('waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized');
  return {
    app,
    admin,
    budget,
    producers,
    ledger,
    redis,
    async counts() {
      return {
        runs: await count(producers.runs),
        imageUpdates: await count(producers.imageUpdates),
        notifications: await count(producers.notifications),
      };
    },
    async close() {
      await app.close();
      await admin.close();
      await Promise.all(Object.values(producers).map((p) => p.close().catch(() => {})));
      redis.disconnect();
    },
  };
}
