import { ledgerPrefix, type NotificationJob, notificationsQueue } from '@signalbox/contracts';
import { createContractWorker, type Logger, PermanentError } from '@signalbox/runtime';
import type { GitHubClient, SecretStore } from '@signalbox/triggers';
import { WebClient } from '@slack/web-api';
import { DelayedError, type Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { createCommitStatusPoster } from './commit-status-poster.ts';
import { deliverWebApi } from './deliver-web-api.ts';
import { deliverWebhook } from './deliver-webhook.ts';
import { createEventTrail, type EventTrail } from './event-trail.ts';
import { formatConsoleLine } from './format-console-line.ts';
import { matchRoutes, type SlackRouteModel } from './match-routes.ts';
import type { NotifierMetrics } from './notifier-metrics.ts';
import { NotifierState } from './notifier-state.ts';
import type { RenderOptions } from './render-parent.ts';
import { RetryLater } from './retry-later.ts';
import { createSlackCaller, defaultPacing, type Pacing } from './slack-caller.ts';
import { threadPermalinks } from './thread-permalink.ts';

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
  /**
   * How long an event's trail (runs, pull requests, Slack threads, for the deliveries console) is
   * kept: the ledger's TTL, `SIGNALBOX_LEDGER_TTL` (seconds, default 72 h).
   */
  readonly trailTtlSeconds?: number;
}

/** What delivering to a route needs, built once per worker. */
interface RouteContext {
  readonly deps: NotifierDeps;
  readonly state: NotifierState;
  readonly call: ReturnType<typeof createSlackCaller>;
  readonly pacing: Pacing;
  readonly clientFor: (token: string) => WebClient;
  readonly secret: (
    route: SlackRouteModel,
    ref: { secretName: string; secretKey: string },
    what: string,
  ) => string;
  readonly writeLine: (line: string) => void;
  readonly trail: EventTrail;
  readonly permalink: ReturnType<typeof threadPermalinks>;
}

/** One Web API client per bot token, kept for the worker's life. */
function slackClients(deps: NotifierDeps): (token: string) => WebClient {
  const clients = new Map<string, WebClient>();
  return (token) => {
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
}

function secretReader(secrets: SecretStore): RouteContext['secret'] {
  return (route, ref, what) => {
    const value = secrets.read(ref.secretName, ref.secretKey)?.trim();
    if (!value) {
      throw new PermanentError(
        'SLACK_SECRET_MISSING',
        `SlackRoute ${route.name}: no ${what} in secret ${ref.secretName}/${ref.secretKey} (a file under SIGNALBOX_SECRETS_DIR)`,
      );
    }
    return value;
  };
}

/**
 * Puts the thread a notification was posted in on its event's trail. After the post, before the
 * route counts as done: a failure retries the job, whose post is then found already made.
 */
async function recordThread(
  ctx: RouteContext,
  client: WebClient,
  channel: string,
  change: string,
  n: NotificationJob,
): Promise<void> {
  const eventId = n.correlation.eventId;
  const ts = eventId ? await ctx.state.field(channel, change, 'ts:parent') : undefined;
  if (!eventId || !ts) return;
  const url = await ctx.permalink(client, channel, ts);
  await ctx.trail.thread(eventId, { channel, ts, ...(url ? { url } : {}) }, n.occurredAt);
}

/**
 * Delivers one notification to one route: Web API (threaded under the change), incoming webhook
 * or console. Returns the change the notification belongs to, once resolved, for the next route.
 */
async function deliverToRoute(
  route: SlackRouteModel,
  n: NotificationJob,
  jobId: string,
  enqueuedAt: number,
  logger: Logger,
  ctx: RouteContext,
  known: string | undefined,
): Promise<string | undefined> {
  const { spec } = route;
  const { deps, state } = ctx;
  let change = known;
  if (spec.auth) {
    // An image notification that cannot be tied to a commit yet waits a while for the
    // notification that can (its image.pushed), rather than found a second thread.
    const waited = Date.now() - enqueuedAt >= (deps.joinWaitMs ?? 30_000);
    change ??= (await state.resolveChange(n, jobId, waited)) ?? undefined;
    if (change === undefined)
      throw new RetryLater(500 + Math.random() * 500, 'waiting for the image to be tied to its commit');
    const client = ctx.clientFor(ctx.secret(route, spec.auth.secretRef, 'bot token'));
    await deliverWebApi({
      client,
      state,
      call: ctx.call,
      channel: spec.channel,
      change,
      jobId,
      notification: n,
      logger,
      ...(deps.render ? { render: deps.render } : {}),
      ...(deps.threadLockMs ? { lockMs: deps.threadLockMs } : {}),
    });
    await recordThread(ctx, client, spec.channel, change, n);
  } else if (spec.webhook) {
    await deliverWebhook({
      url: ctx.secret(route, spec.webhook.secretRef, 'incoming-webhook URL'),
      jobId,
      notification: n,
      state,
      pacing: ctx.pacing,
      ...(deps.requestTimeoutMs !== undefined ? { timeoutMs: deps.requestTimeoutMs } : {}),
      ...(deps.metrics ? { metrics: deps.metrics } : {}),
    });
  } else {
    ctx.writeLine(formatConsoleLine(n, { name: route.name, channel: spec.channel }));
  }
  return change;
}

/**
 * The notifications-queue worker (BullMQ starts it on construction). Each notification goes to
 * every SlackRoute it matches — Web API (bot token: one parent message per change, updated in
 * place, with thread replies), incoming webhook, or the console — each route at most once per
 * job. Waiting for a channel's slot or a 429's Retry-After delays the job (no attempt used, no
 * worker slot held); a permanent Slack error dead-letters it after that one attempt; other errors
 * retry with the contract's exponential backoff and jitter.
 */
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
  const routing: RouteContext = {
    deps,
    state,
    call,
    pacing,
    clientFor: slackClients(deps),
    secret: secretReader(deps.secrets),
    writeLine: deps.writeLine ?? ((line: string) => process.stdout.write(`${line}\n`)),
    trail: createEventTrail(deps.redis, {
      ledgerPrefix: ledgerPrefix(deps.prefix),
      ttlSeconds: deps.trailTtlSeconds ?? 72 * 3600,
    }),
    permalink: threadPermalinks(),
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
        // Before any route: the console shows a run's state whether or not a route matched.
        await routing.trail.step(n);
        let change: string | undefined;
        for (const r of routes) {
          if (await state.routeDone(jobId, r.name)) continue;
          change = await deliverToRoute(r, n, jobId, job.timestamp, logger, routing, change);
          await state.markRouteDone(jobId, r.name);
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
