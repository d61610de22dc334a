import { join, resolve } from 'node:path';
import { imageUpdatesQueue, notificationsQueue } from '@signalbox/contracts';
import {
  createEnvReader,
  createProducer,
  createRedis,
  type RunningService,
  readConfig,
  registerQueueDepthGauge,
  type ServiceStartOptions,
} from '@signalbox/runtime';
import { type LoadedConfig, loadAndWatchConfig } from '@signalbox/triggers';
import { Queue } from 'bullmq';
import { activePolicies } from './active-policies.ts';
import { ensureSampleManifests } from './ensure-sample-manifests.ts';
import { octokitGitHost } from './octokit-git-host.ts';
import type { ActivePolicy } from './process-image-event.ts';
import { buildManifestUpdater } from './worker.ts';

/**
 * Starts the manifest-updater: the image-updates worker over the config's ImageUpdatePolicies
 * (reloaded on change). Settings: SIGNALBOX_WORK_DIR (clone cache, default ./.signalbox/work),
 * GITHUB_API_URL (REST base, default https://api.github.com), SIGNALBOX_GITHUB_TOKEN_FILE (token
 * of policies without `auth`), SIGNALBOX_SCAN_HOLD_MS (how long a push waits for its scan,
 * default 30 min), SIGNALBOX_MANIFEST_CONCURRENCY (jobs at once, default 4),
 * SIGNALBOX_REPO_LOCK_MS (per-repository lock lifetime, renewed while held; default 60 000),
 * SIGNALBOX_MANIFEST_JOB_LOCK_MS (BullMQ job lock and stalled-check interval: a killed worker's
 * job is taken over within about twice this; default 30 000). Local targets (`./.signalbox/manifests` in the examples) that do not
 * exist are created with a sample app.
 */
// long-function: composition root: the service's wiring in start order, read top to bottom (STYLE 1)
export async function start({ env, logger, registry }: ServiceStartOptions): Promise<RunningService> {
  const config = readConfig(env);
  const read = createEnvReader(env);
  const workDir = resolve(read.text('SIGNALBOX_WORK_DIR', './.signalbox/work'));
  const apiUrl = read.url(
    'GITHUB_API_URL',
    'https://api.github.com',
    ['https', 'http'],
    'https://github.example.com/api/v3',
  );
  const fallbackTokenFile = read.optionalText('SIGNALBOX_GITHUB_TOKEN_FILE');
  const holdTimeoutMs = read.integer('SIGNALBOX_SCAN_HOLD_MS', 30 * 60_000, {
    min: 1_000,
    max: 7 * 24 * 3_600_000,
  });
  const concurrency = read.integer('SIGNALBOX_MANIFEST_CONCURRENCY', 4, { min: 1, max: 64 });
  const repoLockTtlMs = read.integer('SIGNALBOX_REPO_LOCK_MS', 60_000, { min: 1_000, max: 600_000 });
  const jobLockMs = read.integer('SIGNALBOX_MANIFEST_JOB_LOCK_MS', 30_000, { min: 1_000, max: 600_000 });
  read.done();

  const policyOptions = {
    cwd: process.cwd(),
    secretsDir: resolve(config.secretsDir),
    apiUrl,
    fallbackTokenFile,
  };
  const prepare = async (next: LoadedConfig) => {
    const active = activePolicies(next.imageUpdatePolicies, policyOptions);
    for (const p of active) {
      if (p.target.kind === 'local' && (await ensureSampleManifests(p.target.path, join(workDir, 'home')))) {
        logger.info(
          { policy: p.name, repo: p.target.path },
          'created the local manifests repository with a sample app (branch main)',
        );
      }
    }
    return active;
  };
  const watched = loadAndWatchConfig(config.configDir, logger, (next) => {
    prepare(next).then(
      (active) => {
        policies = active;
        logger.info({ policies: active.map((p) => p.name) }, 'config reloaded');
      },
      (err: unknown) =>
        logger.error({ err: (err as Error).message }, 'config reload failed: keeping the last policies'),
    );
  });
  const stopWatching = watched.stop;
  let policies: readonly ActivePolicy[] = await prepare(watched.config).catch((err: unknown) => {
    watched.stop();
    throw err;
  });

  const connection = createRedis(config.redis, { name: 'manifest-updater', logger, forWorker: true });
  const redis = createRedis(config.redis, { name: 'manifest-updater-state', logger, forWorker: true });
  const prefix = config.queuePrefix;
  const notifications = createProducer(notificationsQueue, { connection: redis, prefix, logger });
  const view = new Queue(imageUpdatesQueue.name, {
    connection: redis,
    prefix: imageUpdatesQueue.keyPrefix(prefix),
  });
  registerQueueDepthGauge(registry, [view]);
  const worker = buildManifestUpdater({
    connection,
    redis,
    prefix,
    policies: () => policies,
    notifications,
    gitHost: (token) => octokitGitHost({ baseUrl: apiUrl, token, logger }),
    workDir,
    logger,
    holdTimeoutMs,
    repoLockTtlMs,
    concurrency,
    lockDurationMs: jobLockMs,
    // Stalled jobs are found in two passes: a killed worker's job restarts within ~2 locks.
    stalledIntervalMs: jobLockMs,
  });
  logger.info(
    {
      policies: policies.map((p) => `${p.name} → ${p.target.url}`),
      workDir,
      apiUrl,
      holdTimeoutMs,
      concurrency,
    },
    'manifest-updater started',
  );
  return {
    name: 'manifest-updater',
    ready: () => connection.status === 'ready' && redis.status === 'ready' && worker.isRunning(),
    async stop() {
      stopWatching();
      await worker.close();
      await notifications.close();
      await view.close();
      await Promise.all([connection.quit(), redis.quit()].map((p) => p.catch(() => {})));
    },
  };
}
