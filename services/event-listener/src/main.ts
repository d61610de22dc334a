import { imageUpdatesQueue, ledgerPrefix, notificationsQueue, runsQueue } from '@signalbox/contracts';
import {
  createEnvReader,
  createProducer,
  createRedis,
  type RunningService,
  readConfig,
  readTokenFile,
  registerQueueDepthGauge,
  type ServiceStartOptions,
} from '@signalbox/runtime';
import {
  createTriggerEngine,
  fileSecretStore,
  loadAndWatchConfig,
  octokitGitHubFiles,
  type TriggerEngine,
} from '@signalbox/triggers';
import { buildAdminApi } from './admin-app.ts';
import { buildEventListener } from './app.ts';
import { createBackPressure } from './back-pressure.ts';
import { createBodyBudget } from './body-budget.ts';
import { DeliveryLedger } from './delivery-ledger.ts';
import { createDeliveryStore } from './delivery-store.ts';
import type { IntakeDeps } from './intake.ts';
import { createListenerMetrics } from './listener-metrics.ts';
import { missingSecrets } from './missing-secrets.ts';
import { tokenFileReader } from './token-file-reader.ts';

/** The listener's own settings, beside the runtime's (`readConfig`). */
function readListenerSettings(env: NodeJS.ProcessEnv) {
  const read = createEnvReader(env);
  const mib = 1024 * 1024;
  const settings = {
    /** Body bytes of a listener whose triggers only read Harbor (GitHub's is SIGNALBOX_BODY_LIMIT). */
    harborBodyLimit: read.integer('SIGNALBOX_HARBOR_BODY_LIMIT', mib, { min: 1024, max: 1024 ** 3 }),
    /** A GitHub body must have arrived this long after its headers (GitHub waits 10 s). */
    bodyTimeoutMs: read.integer('SIGNALBOX_BODY_TIMEOUT_MS', 10_000, { min: 100, max: 300_000 }),
    /** The same for Harbor-only listeners (Harbor waits 3 s). */
    harborBodyTimeoutMs: read.integer('SIGNALBOX_HARBOR_BODY_TIMEOUT_MS', 3_000, { min: 100, max: 300_000 }),
    /** Bytes of request bodies held at once across connections; beyond, 503 + Retry-After. */
    maxBufferedBytes: read.integer('SIGNALBOX_MAX_BUFFERED_BYTES', 64 * mib, { min: mib, max: 1024 ** 3 }),
    /** Bytes of one substituted template param value; longer ones are cut with a marker. */
    maxParamBytes: read.integer('SIGNALBOX_MAX_PARAM_BYTES', 64 * 1024, { min: 256, max: 64 * mib }),
    /** Bytes of one rendered resource; bigger ones are refused with a verdict. */
    maxObjectBytes: read.integer('SIGNALBOX_MAX_OBJECT_BYTES', mib, { min: 1024, max: 64 * mib }),
    /** Records the ledger keeps at most (the oldest beyond are deleted). */
    ledgerMaxRecords: read.integer('SIGNALBOX_LEDGER_MAX_RECORDS', 10_000, { min: 100, max: 10_000_000 }),
    /** Bodies above this many bytes are recorded without their text (and cannot be replayed). */
    ledgerBodyCapBytes: read.integer('SIGNALBOX_LEDGER_BODY_CAP', 1024 * 1024, { min: 0, max: 1024 ** 3 }),
    /**
     * Deliveries whose runs wait for a run-scheduler (in Redis, or on their way there) beyond
     * which deliveries are answered 503 + Retry-After instead of letting the backlog, latency and
     * memory grow. A refusal costs a GitHub sender a redelivery, so the default is generous:
     * 10 000 deliveries of Tekton's 10 runs are a few minutes of a scheduler's work.
     */
    maxBacklog: read.integer('SIGNALBOX_MAX_BACKLOG', 10_000, { min: 10, max: 100_000_000 }),
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
 * an invalid reload keeps the last good one), connects to Redis, serves the webhooks on PORT and
 * the admin API with /metrics on ADMIN_PORT.
 */
// long-function: composition root: the service's wiring in start order, read top to bottom (STYLE 1)
export async function start({ env, logger, registry }: ServiceStartOptions): Promise<RunningService> {
  const config = readConfig(env);
  const settings = readListenerSettings(env);
  const secrets = fileSecretStore(config.secretsDir);
  const github = octokitGitHubFiles({
    ...(settings.githubApiUrl ? { baseUrl: settings.githubApiUrl } : {}),
    allowedEnterpriseHosts: settings.githubEnterpriseHosts,
    ...(settings.githubTokenFile ? { defaultToken: tokenFileReader(settings.githubTokenFile, logger) } : {}),
  });
  const watched = loadAndWatchConfig(config.configDir, logger, (next) => {
    engine = createTriggerEngine(next, { secrets, github, limits });
    logger.info({ listeners: [...next.listeners.keys()] }, 'config reloaded');
  });
  const stopWatching = watched.stop;
  const limits = { maxParamBytes: settings.maxParamBytes, maxObjectBytes: settings.maxObjectBytes };
  let engine: TriggerEngine = createTriggerEngine(watched.config, { secrets, github, limits });
  // Checked whenever readiness is asked (the store caches each file for 5 s) and logged when the
  // set changes: a secret mounted late or rotated away shows up without a restart.
  let reported = '';
  const checkSecrets = (): string[] => {
    const missing = missingSecrets(engine.config, secrets, config.secretsDir);
    const key = missing.join('\n');
    if (key !== reported) {
      reported = key;
      if (missing.length > 0)
        logger.error(
          { missing },
          `secrets the config references are missing or unreadable: ${missing.join(', ')} — the listeners they authenticate answer 401 and /readyz is 503 until they are there`,
        );
      else logger.info('every secret the config references is readable');
    }
    return missing;
  };
  logger.info(
    {
      config: config.configDir,
      listeners: [...watched.config.listeners.keys()],
      documents: watched.config.documentCount,
    },
    'config loaded',
  );

  const redis = createRedis(config.redis, { name: 'event-listener', logger });
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
    prefix: ledgerPrefix(config.queuePrefix),
    ttlSeconds: config.ledgerTtlSeconds,
    maxRecords: settings.ledgerMaxRecords,
    dedupWindowSeconds: config.dedupWindowSeconds,
  });
  const ready = () => {
    const missing = checkSecrets();
    const up = redis.status === 'ready';
    return {
      config: true,
      redis: up,
      secrets: missing.length === 0,
      reasons: [
        ...(up ? [] : [`redis: ${redis.status}`]),
        ...missing.map((m) => `secret missing or unreadable: ${m}`),
      ],
    };
  };
  checkSecrets();
  const intakeDeps = {
    engine: () => engine,
    logger,
    metrics: createListenerMetrics(registry),
    now: () => new Date(),
    ledgerBodyCapBytes: settings.ledgerBodyCapBytes,
    ackDeadlineMs: settings.ackDeadlineMs,
  };
  const store = createDeliveryStore({
    redis,
    producers,
    ledger,
    replication: { replicas: config.redis.waitReplicas, timeoutMs: config.redis.waitTimeoutMs },
  });
  const intake: IntakeDeps = { ...intakeDeps, store };
  const budget = createBodyBudget(settings.maxBufferedBytes);
  const backPressure = createBackPressure({
    maxBacklog: settings.maxBacklog,
    waiting: () => producers.runs.queue.getWaitingCount(),
    logger,
  });
  const app = buildEventListener({
    ...intakeDeps,
    producers,
    redis,
    ledger,
    store,
    ready,
    bodyLimit: config.bodyLimitBytes,
    limits: {
      harbor: settings.harborBodyLimit,
      githubTimeoutMs: settings.bodyTimeoutMs,
      harborTimeoutMs: settings.harborBodyTimeoutMs,
    },
    budget,
    backPressure,
  });
  const admin = buildAdminApi({
    intake,
    ledger,
    registry,
    logger,
    ready,
    adminToken: () => (config.adminTokenFile ? readTokenFile(config.adminTokenFile) : undefined),
    console: { redis, queues: Object.values(producers).map((p) => p.queue) },
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
  await app.listen({ port: config.port, host: config.host });
  try {
    await admin.listen({ port: config.adminPort, host: config.adminHost });
  } catch (err) {
    await app.close();
    throw new Error(`ADMIN_PORT ${config.adminPort}: ${(err as Error).message}`, { cause: err });
  }
  const adminAddress = admin.server.address();
  logger.info(
    {
      port: config.port,
      adminPort: typeof adminAddress === 'object' && adminAddress ? adminAddress.port : config.adminPort,
    },
    'event-listener listening',
  );
  return {
    name: 'event-listener',
    ready: () => {
      const r = ready();
      return r.redis && r.secrets;
    },
    async stop() {
      stopWatching();
      // Bodies still arriving at half the shutdown timeout are cut with their connections (the
      // senders redeliver): a slow or stalled sender must not hold the drain past its deadline.
      // What has arrived is still evaluated and stored in the half that is left.
      const cut = setTimeout(() => {
        const count = budget.cutAll();
        if (count > 0) logger.warn({ count }, 'shutdown: cut requests whose bodies were still arriving');
      }, config.shutdownTimeoutMs / 2);
      try {
        await app.close(); // stops accepting, waits for in-flight requests
      } finally {
        clearTimeout(cut);
      }
      await admin.close();
      backPressure.stop();
      await Promise.all(Object.values(producers).map((p) => p.close()));
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
