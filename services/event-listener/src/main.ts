import { readFileSync } from 'node:fs';
import { imageUpdatesQueue, notificationsQueue, runsQueue } from '@signalbox/contracts';
import {
  createProducer,
  createRedis,
  type RunningService,
  readConfig,
  registerQueueDepthGauge,
  type ServiceStartOptions,
} from '@signalbox/runtime';
import {
  createTriggerEngine,
  fileSecretStore,
  formatIssue,
  loadConfig,
  octokitGitHubFiles,
  type TriggerEngine,
  watchConfig,
} from '@signalbox/triggers';
import { buildEventListener } from './app.ts';
import { DeliveryLedger } from './delivery-ledger.ts';
import { createListenerMetrics } from './listener-metrics.ts';

/**
 * Starts the event-listener: loads and watches the config (an invalid config at start is fatal;
 * an invalid reload keeps the last good one), connects to Redis, listens on PORT.
 */
export async function start({ env, logger, registry }: ServiceStartOptions): Promise<RunningService> {
  const config = readConfig(env);
  const secrets = fileSecretStore(config.secretsDir);
  const github = octokitGitHubFiles({
    ...(env.GITHUB_API_URL ? { baseUrl: env.GITHUB_API_URL } : {}),
    allowedEnterpriseHosts: (env.SIGNALBOX_GITHUB_ENTERPRISE_HOSTS ?? '').split(',').filter(Boolean),
  });
  const loaded = loadConfig(config.configDir);
  if (!loaded.ok) {
    throw new Error(`invalid config in ${config.configDir}:\n${loaded.issues.map(formatIssue).join('\n')}`);
  }
  let engine: TriggerEngine = createTriggerEngine(loaded.config, { secrets, github });
  logger.info(
    {
      config: config.configDir,
      listeners: [...loaded.config.listeners.keys()],
      documents: loaded.config.documentCount,
    },
    'config loaded',
  );
  const stopWatching = watchConfig(config.configDir, {
    onChange(next) {
      engine = createTriggerEngine(next, { secrets, github });
      logger.info({ listeners: [...next.listeners.keys()] }, 'config reloaded');
    },
    onInvalid(issues) {
      logger.error(
        { issues: issues.map(formatIssue) },
        'config change rejected: keeping the last valid config',
      );
    },
  });

  const redis = createRedis(config.redisUrl, { name: 'event-listener', logger });
  const producer = <C extends Parameters<typeof createProducer>[0]>(contract: C) =>
    createProducer(contract, { connection: redis, prefix: config.queuePrefix });
  const producers = {
    runs: producer(runsQueue),
    imageUpdates: producer(imageUpdatesQueue),
    notifications: producer(notificationsQueue),
  };
  registerQueueDepthGauge(registry, [
    producers.runs.queue,
    producers.imageUpdates.queue,
    producers.notifications.queue,
  ]);
  const ledger = new DeliveryLedger(redis, {
    prefix: `${config.queuePrefix}:ledger`,
    ttlSeconds: config.ledgerTtlSeconds,
    maxRecords: 10_000,
    dedupWindowSeconds: config.dedupWindowSeconds,
  });
  const app = buildEventListener({
    engine: () => engine,
    producers,
    ledger,
    logger,
    metrics: createListenerMetrics(registry),
    now: () => new Date(),
    ledgerBodyCapBytes: 1024 * 1024,
    registry,
    bodyLimit: config.bodyLimitBytes,
    ready: () => ({ config: true, redis: redis.status === 'ready' }),
    adminToken: () => {
      if (!config.adminTokenFile) return undefined;
      try {
        return readFileSync(config.adminTokenFile, 'utf8').trim() || undefined;
      } catch {
        return undefined;
      }
    },
  });
  // Accepting before Redis is connected would only produce 503s; wait a little, then listen anyway
  // (readiness stays false until Redis is there, so a load balancer holds traffic back).
  await new Promise<void>((resolve) => {
    if (redis.status === 'ready') return resolve();
    const timer = setTimeout(resolve, 5_000);
    redis.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  await app.listen({ port: config.port, host: env.HOST ?? '0.0.0.0' });
  logger.info({ port: config.port }, 'event-listener listening');
  return {
    name: 'event-listener',
    ready: () => redis.status === 'ready',
    async stop() {
      stopWatching();
      await app.close(); // stops accepting, waits for in-flight requests
      await Promise.all(Object.values(producers).map((p) => p.close()));
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
