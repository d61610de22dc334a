import { notificationsQueue } from '@signalbox/contracts';
import { createContractWorker, type Logger, PermanentError } from '@signalbox/runtime';
import type { GitHubClient, SecretStore } from '@signalbox/triggers';
import { WebClient } from '@slack/web-api';
import { DelayedError, type Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { createCommitStatusPoster } from './commit-status-poster.ts';
import { deliverWebApi } from './deliver-web-api.ts';
import { deliverWebhook } from './deliver-webhook.ts';
import { formatConsoleLine } from './format-console-line.ts';
import { matchRoutes, type SlackRouteModel } from './match-routes.ts';
import type { NotifierMetrics } from './notifier-metrics.ts';
import { NotifierState } from './notifier-state.ts';
import type { RenderOptions } from './render-parent.ts';
import { RetryLater } from './retry-later.ts';
import { createSlackCaller, defaultPacing, type Pacing } from './slack-caller.ts';

export interface NotifierDeps {
  /** A worker connection (`maxRetriesPerRequest: null`). */
  readonly connection: Redis;
  /** For the notifier's own state (threads, pacing); may be the same client as `connection`. */
  readonly redis: Redis;
  /** BullMQ key prefix (the queue prefix); the notifier's keys go under `<prefix>:notifier:`. */
  readonly prefix: string;
  /** The current SlackRoutes (the config may reload). */
  readonly routes: () => readonly SlackRouteModel[];
  readonly secrets: SecretStore;
  /** Slack Web API base (`SLACK_API_URL`), handed to `@slack/web-api` as `slackApiUrl`. */
  readonly slackApiUrl?: string;
  readonly logger: Logger;
  readonly metrics?: NotifierMetrics;
  readonly pacing?: Partial<Pacing>;
  /** Where console-route lines go (default stdout). */
  readonly writeLine?: (line: string) => void;
  readonly render?: RenderOptions;
  /** Jobs processed at once by this replica (default 16: most time is spent waiting on Slack). */
  readonly concurrency?: number;
  /** Per Slack request (ms, default 10 000). */
  readonly requestTimeoutMs?: number;
  /** How long a thread lock (parent post, update) outlives a crashed holder (ms, default 30 000). */
  readonly threadLockMs?: number;
  readonly lockDurationMs?: number;
  readonly stalledIntervalMs?: number;
  /**
   * How long an image notification with no commit (no sha-like tag) waits for its image's change to
   * be known before it founds its own thread (ms, default 30 000).
   */
  readonly joinWaitMs?: number;
  /**
   * GitHub commit statuses for `run.*` notifications (when a token is configured): the client and
   * an optional link template (`{namespace}`, `{name}`, `{pipeline}`, `{repo}`, `{sha}`).
   */
  readonly commitStatuses?: { readonly github: GitHubClient; readonly targetUrlTemplate?: string };
}

/**
 * The notifications-queue worker (BullMQ starts it on construction). Each notification goes to
 * every SlackRoute it matches — Web API (bot token: one parent message per change, updated in
 * place, with thread replies), incoming webhook, or the console — each route at most once per
 * job. Waiting for a channel's slot or a 429's Retry-After delays the job (no attempt used, no
 * worker slot held); a permanent Slack error dead-letters it after that one attempt; other errors
 * retry with the contract's exponential backoff and jitter.
 */
// long-function: worker factory (STYLE 1): routing, Slack and commit statuses share the job's logger; not yet split (issue 15)
export function buildNotifier(deps: NotifierDeps): Worker {
  const state = new NotifierState(deps.redis, deps.prefix);
  const pacing: Pacing = { ...defaultPacing, ...deps.pacing };
  const leaseMs = (deps.requestTimeoutMs ?? 10_000) + 5_000;
  const call = createSlackCaller({
    state,
    pacing,
    leaseMs,
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
  });
  const postCommitStatus = deps.commitStatuses
    ? createCommitStatusPoster({
        ...deps.commitStatuses,
        redis: deps.redis,
        prefix: deps.prefix,
        state,
        logger: deps.logger,
      })
    : undefined;
  const clients = new Map<string, WebClient>();
  const writeLine = deps.writeLine ?? ((line: string) => process.stdout.write(`${line}\n`));
  const clientFor = (token: string) => {
    let client = clients.get(token);
    if (!client) {
      // Deliberately not the v8 defaults (10 retries over ~30 min, the whole client paused on one
      // 429): every retry goes through the job, with its exactly-once checks and per-channel pacing.
      client = new WebClient(token, {
        ...(deps.slackApiUrl ? { slackApiUrl: deps.slackApiUrl } : {}),
        retryConfig: { retries: 0 },
        rejectRateLimitedCalls: true,
        timeout: deps.requestTimeoutMs ?? 10_000,
      });
      clients.set(token, client);
    }
    return client;
  };
  const secret = (route: SlackRouteModel, ref: { secretName: string; secretKey: string }, what: string) => {
    const value = deps.secrets.read(ref.secretName, ref.secretKey)?.trim();
    if (!value) {
      throw new PermanentError(
        'SLACK_SECRET_MISSING',
        `SlackRoute ${route.name}: no ${what} in secret ${ref.secretName}/${ref.secretKey} (a file under SIGNALBOX_SECRETS_DIR)`,
      );
    }
    return value;
  };

  return createContractWorker(
    notificationsQueue,
    async (n, { job, logger }) => {
      // The notification's identity, not the BullMQ job's: a re-emitted fact is the same step.
      const jobId = notificationsQueue.jobId(n);
      const routes = matchRoutes(deps.routes(), n);
      if (routes.length === 0) {
        deps.metrics?.notifications.inc({ outcome: 'unmatched' });
        logger.debug({ kind: n.kind }, 'no SlackRoute matches this notification');
      }
      try {
        let change: string | undefined;
        for (const route of routes) {
          if (await state.routeDone(jobId, route.name)) continue;
          const { spec } = route;
          if (spec.auth) {
            // An image notification that cannot be tied to a commit yet waits a while for the
            // notification that can (its image.pushed), rather than found a second thread.
            const waited = Date.now() - job.timestamp >= (deps.joinWaitMs ?? 30_000);
            change ??= (await state.resolveChange(n, jobId, waited)) ?? undefined;
            if (change === undefined)
              throw new RetryLater(
                500 + Math.random() * 500,
                'waiting for the image to be tied to its commit',
              );
            await deliverWebApi({
              client: clientFor(secret(route, spec.auth.secretRef, 'bot token')),
              state,
              call,
              channel: spec.channel,
              change,
              jobId,
              notification: n,
              logger,
              ...(deps.render ? { render: deps.render } : {}),
              ...(deps.threadLockMs ? { lockMs: deps.threadLockMs } : {}),
            });
          } else if (spec.webhook) {
            await deliverWebhook({
              url: secret(route, spec.webhook.secretRef, 'incoming-webhook URL'),
              jobId,
              notification: n,
              state,
              pacing,
              ...(deps.metrics ? { metrics: deps.metrics } : {}),
            });
          } else {
            writeLine(formatConsoleLine(n, { name: route.name, channel: spec.channel }));
          }
          await state.markRouteDone(jobId, route.name);
        }
        await postCommitStatus?.(n, jobId);
      } catch (err) {
        if (err instanceof RetryLater) {
          logger.debug({ delayMs: err.delayMs, why: err.message }, 'notification delayed');
          await job.moveToDelayed(Date.now() + err.delayMs, job.token);
          throw new DelayedError();
        }
        deps.metrics?.notifications.inc({
          outcome: err instanceof PermanentError ? 'dead_lettered' : 'retry',
        });
        throw err;
      }
      if (routes.length > 0) deps.metrics?.notifications.inc({ outcome: 'delivered' });
      return { routes: routes.map((r) => r.name) };
    },
    {
      connection: deps.connection,
      prefix: deps.prefix,
      logger: deps.logger,
      concurrency: deps.concurrency ?? 16,
      ...(deps.lockDurationMs ? { lockDuration: deps.lockDurationMs } : {}),
      ...(deps.stalledIntervalMs ? { stalledInterval: deps.stalledIntervalMs } : {}),
    },
  );
}
