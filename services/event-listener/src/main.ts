import { readFileSync } from 'node:fs';
import { imageUpdatesQueue, notificationsQueue, runsQueue } from '@signalbox/contracts';
import {
  createEnvReader,
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
import { tokenFileReader } from './token-file-reader.ts';

/** The listener's own settings, beside the runtime's (`readConfig`). */
function readListenerSettings(env: NodeJS.ProcessEnv) {
  const read = createEnvReader(env);
  const settings = {
    host: read.text('HOST', '0.0.0.0'),
    /** Records the ledger keeps at most (the oldest beyond are deleted). */
    ledgerMaxRecords: read.integer('SIGNALBOX_LEDGER_MAX_RECORDS', 10_000, { min: 100, max: 10_000_000 }),
    /** Bodies above this many bytes are recorded without their text (and cannot be replayed). */
    ledgerBodyCapBytes: read.integer('SIGNALBOX_LEDGER_BODY_CAP', 1024 * 1024, { min: 0, max: 1024 ** 3 }),
    /** Answer 503 when Redis has not stored a delivery this long after it arrived. */
    ackDeadlineMs: read.integer('SIGNALBOX_ACK_DEADLINE_MS', 2_500, { min: 100, max: 60_000 }),
    /** GitHub REST base URL for `addChangedFiles` (GitHub Enterprise: https://HOST/api/v3). */
    githubApiUrl: read.optionalText('GITHUB_API_URL'),
    /** X-GitHub-Enterprise-Host values whose API `addChangedFiles` may call. */
    githubEnterpriseHosts: read.list('SIGNALBOX_GITHUB_ENTERPRISE_HOSTS') ?? [],
    /** Token for `addChangedFiles` when a trigger names no `personalAccessToken`. */
    githubTokenFile: read.optionalText('SIGNALBOX_GITHUB_TOKEN_FILE'),
  };
  read.done();
  return settings;
}

/**
 * Starts the event-listener: loads and watches the config (an invalid config at start is fatal;
 * an invalid reload keeps the last good one), connects to Redis, listens on PORT.
 */
export async function start({ env, logger, registry }: ServiceStartOptions): Promise<RunningService> {
  const config = readConfig(env);
  const settings = readListenerSettings(env);
  const secrets = fileSecretStore(config.secretsDir);
  const github = octokitGitHubFiles({
    ...(settings.githubApiUrl ? { baseUrl: settings.githubApiUrl } : {}),
    allowedEnterpriseHosts: settings.githubEnterpriseHosts,
    ...(settings.githubTokenFile ? { defaultToken: tokenFileReader(settings.githubTokenFile, logger) } : {}),
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
    maxRecords: settings.ledgerMaxRecords,
    dedupWindowSeconds: config.dedupWindowSeconds,
  });
  const app = buildEventListener({
    engine: () => engine,
    producers,
    redis,
    ledger,
    logger,
    metrics: createListenerMetrics(registry),
    now: () => new Date(),
    ledgerBodyCapBytes: settings.ledgerBodyCapBytes,
    ackDeadlineMs: settings.ackDeadlineMs,
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
  await app.listen({ port: config.port, host: settings.host });
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
