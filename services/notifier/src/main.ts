import { notificationsQueue } from '@signalbox/contracts';
import {
  createEnvReader,
  createRedis,
  type RunningService,
  readConfig,
  readTokenFile,
  registerQueueDepthGauge,
  type ServiceStartOptions,
} from '@signalbox/runtime';
import { createGitHubClient, fileSecretStore, loadAndWatchConfig } from '@signalbox/triggers';
import { Queue } from 'bullmq';
import { createNotifierMetrics } from './notifier-metrics.ts';
import { buildNotifier } from './worker.ts';

/**
 * Starts the notifier: the notifications-queue worker, routing by the config's SlackRoutes
 * (reloaded on change). Service settings: SLACK_API_URL (Slack Web API base, default Slack's own;
 * tests and proxies), SIGNALBOX_NOTIFY_CONCURRENCY (jobs at once, default 16),
 * SIGNALBOX_SLACK_TIMEOUT_MS (per Slack request, default 10 000); for GitHub commit statuses of
 * `run.*` notifications, SIGNALBOX_GITHUB_TOKEN_FILE (none: no statuses), GITHUB_API_URL and
 * SIGNALBOX_STATUS_TARGET_URL (a link template: {namespace} {name} {pipeline} {repo} {sha}).
 */
// long-function: composition root: the service's wiring in start order, read top to bottom (STYLE 1)
export async function start({ env, logger, registry }: ServiceStartOptions): Promise<RunningService> {
  const config = readConfig(env);
  const read = createEnvReader(env);
  const slackApiUrl = read.url(
    'SLACK_API_URL',
    'https://slack.com/api/',
    ['http', 'https'],
    'https://slack.com/api/',
  );
  const concurrency = read.integer('SIGNALBOX_NOTIFY_CONCURRENCY', 16, { min: 1, max: 256 });
  const requestTimeoutMs = read.integer('SIGNALBOX_SLACK_TIMEOUT_MS', 10_000, { min: 100, max: 120_000 });
  const githubApiUrl = read.url(
    'GITHUB_API_URL',
    'https://api.github.com',
    ['https', 'http'],
    'https://github.example.com/api/v3',
  );
  const githubTokenFile = read.optionalText('SIGNALBOX_GITHUB_TOKEN_FILE');
  const statusTargetUrl = read.optionalText('SIGNALBOX_STATUS_TARGET_URL');
  read.done();
  const githubToken = githubTokenFile ? readTokenFile(githubTokenFile) : undefined;
  if (githubTokenFile && !githubToken)
    logger.warn(
      { file: githubTokenFile },
      'SIGNALBOX_GITHUB_TOKEN_FILE is missing or empty: no commit statuses',
    );
  const watched = loadAndWatchConfig(config.configDir, logger, (next) => {
    routes = next.slackRoutes;
    logger.info({ routes: routes.map((r) => r.name) }, 'config reloaded');
  });
  const stopWatching = watched.stop;
  let routes = watched.config.slackRoutes;

  const connection = createRedis(config.redis, { name: 'notifier', logger, forWorker: true });
  const redis = createRedis(config.redis, { name: 'notifier-state', logger, forWorker: true });
  const prefix = config.queuePrefix;
  const view = new Queue(notificationsQueue.name, {
    connection: redis,
    prefix: notificationsQueue.keyPrefix(prefix),
  });
  registerQueueDepthGauge(registry, [view]);
  const worker = buildNotifier({
    connection,
    redis,
    prefix,
    routes: () => routes,
    secrets: fileSecretStore(config.secretsDir),
    // @slack/web-api appends the method name to this base.
    slackApiUrl: slackApiUrl.endsWith('/') ? slackApiUrl : `${slackApiUrl}/`,
    logger,
    metrics: createNotifierMetrics(registry),
    concurrency,
    requestTimeoutMs,
    trailTtlSeconds: config.ledgerTtlSeconds,
    ...(githubToken
      ? {
          commitStatuses: {
            github: createGitHubClient({
              baseUrl: githubApiUrl,
              auth: githubToken,
              userAgent: 'signalbox-notifier',
            }),
            ...(statusTargetUrl ? { targetUrlTemplate: statusTargetUrl } : {}),
          },
        }
      : {}),
  });
  logger.info(
    {
      routes: routes.map((r) => ({
        name: r.name,
        channel: r.spec.channel,
        transport: r.spec.auth ? 'web-api' : r.spec.webhook ? 'webhook' : 'console',
      })),
      slackApiUrl,
      concurrency,
      commitStatuses: githubToken ? githubApiUrl : false,
    },
    'notifier started',
  );
  return {
    name: 'notifier',
    ready: () => connection.status === 'ready' && redis.status === 'ready' && worker.isRunning(),
    async stop() {
      stopWatching();
      await worker.close(); // lets in-flight deliveries finish
      await view.close();
      await Promise.all([connection.quit(), redis.quit()].map((p) => p.catch(() => {})));
    },
  };
}
