import type { imageUpdatesQueue, notificationsQueue, runsQueue } from '@signalbox/contracts';
import type { Producer } from '@signalbox/runtime';
import { parseBody, type TriggerEngine } from '@signalbox/triggers';
import type { Logger } from 'pino';
import type { DeliveryLedger, DeliveryRecord, StoredVerdict } from './delivery-ledger.ts';
import { redactHeaders } from './delivery-ledger.ts';
import { deliveryIdentity } from './event-id.ts';
import { correlationOf, planFanOut } from './fan-out.ts';
import type { ListenerMetrics } from './listener-metrics.ts';

export interface Producers {
  readonly runs: Producer<typeof runsQueue>;
  readonly imageUpdates: Producer<typeof imageUpdatesQueue>;
  readonly notifications: Producer<typeof notificationsQueue>;
}

export interface IntakeDeps {
  /** The engine over the current config (swapped on reload); undefined until one loaded. */
  engine(): TriggerEngine | undefined;
  readonly producers: Producers;
  readonly ledger: DeliveryLedger;
  readonly logger: Logger;
  readonly metrics: ListenerMetrics;
  readonly now: () => Date;
  /** Bodies above this are kept in the ledger without their text (default 1 MiB). */
  readonly ledgerBodyCapBytes: number;
}

export interface IntakeRequest {
  readonly listener: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly rawBody: Buffer;
}

export interface IntakeOptions {
  /** Replay: the event id to use, no dedup, secrets not re-checked (the admin token was). */
  readonly replay?: { of: string; eventID: string };
  /** Show verdicts only: nothing enqueued, nothing recorded. */
  readonly dryRun?: boolean;
}

export interface IntakeResult {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

const errorBody = (error: string, message: string) => ({ error, message });

function isRedisOutage(err: unknown): boolean {
  const e = err as { name?: string; message?: string; code?: string };
  return (
    e?.name === 'MaxRetriesPerRequestError' ||
    /Connection is closed|Stream isn't writeable|enableOfflineQueue|ECONNREFUSED|ECONNRESET|ETIMEDOUT|connect|Redis/i.test(
      e?.message ?? '',
    ) ||
    e?.code === 'ECONNREFUSED'
  );
}

/**
 * One webhook delivery, from raw request to acknowledgement: parse, dedup, evaluate every trigger,
 * enqueue one job per rendered resource (deterministic ids), record the delivery, answer.
 * 202 only once every job and the record are in Redis; 503 when Redis cannot take them, so the
 * sender retries and the retry completes the work with the same ids (nothing lost, nothing doubled).
 */
export async function handleDelivery(
  deps: IntakeDeps,
  request: IntakeRequest,
  options: IntakeOptions = {},
): Promise<IntakeResult> {
  const { listener } = request;
  const started = process.hrtime.bigint();
  const done = (
    status: number,
    outcome: string,
    body: Record<string, unknown>,
    log?: () => void,
  ): IntakeResult => {
    log?.();
    deps.metrics.deliveries.inc({ listener, outcome });
    deps.metrics.ackSeconds.observe(
      { listener, status: String(status) },
      Number(process.hrtime.bigint() - started) / 1e9,
    );
    return { status, body };
  };
  const engine = deps.engine();
  if (!engine)
    return done(503, 'unavailable', errorBody('not_ready', 'no valid configuration is loaded yet'));
  const model = engine.config.listeners.get(listener);
  if (!model) {
    return done(
      404,
      'unknown_listener',
      errorBody('not_found', `no EventListener named ${JSON.stringify(listener)}`),
    );
  }
  const identity = deliveryIdentity(listener, request.headers, request.rawBody);
  const eventID = options.replay?.eventID ?? identity.eventID;
  const deliveryId = options.replay ? `replay:${options.replay.of}:${eventID}` : identity.deliveryId;
  // Bindings per call rather than a child logger per delivery: pino's child() recompiles its
  // redaction for every child, a measurable cost at webhook rates.
  const bindings = { listener, deliveryId, eventID };
  const log = {
    info: (obj: Record<string, unknown>, msg: string) => deps.logger.info({ ...bindings, ...obj }, msg),
    warn: (obj: Record<string, unknown>, msg: string) => deps.logger.warn({ ...bindings, ...obj }, msg),
  };
  const contentType = String(request.headers['content-type'] ?? '');
  const parsed = parseBody(contentType, request.rawBody);
  if (!parsed.ok) {
    return done(parsed.status, 'invalid', errorBody(parsed.error, parsed.message), () =>
      log.info({ status: parsed.status, reason: parsed.message }, 'delivery rejected'),
    );
  }
  const tekton = {
    eventListener: model.name,
    namespace: model.namespace,
    eventListenerUID: model.uid,
    eventID,
  };

  try {
    if (!options.replay && !options.dryRun) {
      const prior = await deps.ledger.acceptedAs(listener, deliveryId);
      if (prior) {
        return done(202, 'duplicate', { ...tekton, eventID: prior, duplicate: true, triggers: [] }, () =>
          log.info({ originalEventID: prior }, 'duplicate delivery: acknowledged, nothing enqueued'),
        );
      }
    }
    const evaluation = await engine.evaluate(
      listener,
      { method: 'POST', url: request.url, headers: request.headers, rawBody: request.rawBody },
      { eventID, body: parsed.body, ...(options.replay ? { trusted: true } : {}) },
    );
    if (!evaluation)
      return done(
        404,
        'unknown_listener',
        errorBody('not_found', `no EventListener named ${JSON.stringify(listener)}`),
      );
    if (!evaluation.authenticated) {
      // No detail: which trigger or secret exists is nobody's business but the operator's (logged).
      return done(
        401,
        'unauthenticated',
        errorBody('unauthorized', 'the request was not authenticated'),
        () =>
          log.info(
            { reasons: evaluation.triggers.map((t) => `${t.name}: ${t.reason ?? 'fired'}`) },
            'delivery rejected: no trigger authenticated it',
          ),
      );
    }
    const plan = planFanOut(evaluation, parsed.body, deliveryId, deps.now());
    const verdicts: StoredVerdict[] = plan.verdicts.map((v) => ({
      name: v.name,
      fired: v.fired,
      ...(v.reason ? { reason: v.reason } : {}),
      ...(v.fired ? { resources: plan.jobsByTrigger.get(v.name) ?? [] } : {}),
    }));
    for (const v of verdicts)
      deps.metrics.verdicts.inc({ listener, trigger: v.name, outcome: v.fired ? 'fired' : 'not_fired' });
    if (options.dryRun) return { status: 200, body: { ...tekton, dryRun: true, triggers: verdicts } };

    await Promise.all([
      deps.producers.runs.addBulk(plan.runs),
      deps.producers.imageUpdates.addBulk(plan.imageUpdates),
      deps.producers.notifications.addBulk(plan.notifications),
    ]);
    const jobIds = [...plan.jobsByTrigger.values()].flat().map((j) => j.jobId);
    const keepBody = request.rawBody.length <= deps.ledgerBodyCapBytes;
    const { repo, sha } = correlationOf(parsed.body, { deliveryId, eventId: eventID, listener });
    const record: Omit<DeliveryRecord, 'body'> = {
      eventID,
      deliveryId,
      listener,
      receivedAt: deps.now().toISOString(),
      contentType,
      headers: redactHeaders(request.headers),
      ...(keepBody ? {} : { bodyTruncated: true }),
      bodyBytes: request.rawBody.length,
      ...(repo ? { repo } : {}),
      ...(sha ? { sha } : {}),
      verdicts,
      jobIds,
      ...(options.replay ? { replayOf: options.replay.of } : {}),
    };
    await deps.ledger.record(record, keepBody ? request.rawBody : undefined);
    return done(
      202,
      'accepted',
      { ...tekton, triggers: verdicts, ...(options.replay ? { replayOf: options.replay.of } : {}) },
      () =>
        log.info(
          {
            fired: verdicts.filter((v) => v.fired).map((v) => v.name),
            notFired: verdicts.filter((v) => !v.fired).map((v) => `${v.name}: ${v.reason}`),
            jobs: jobIds.length,
          },
          'delivery accepted',
        ),
    );
  } catch (err) {
    if (isRedisOutage(err)) {
      return done(
        503,
        'unavailable',
        errorBody('unavailable', 'could not store the delivery (queue unavailable); retry later'),
        () => log.warn({ err: (err as Error).message }, 'delivery not accepted: Redis unavailable'),
      );
    }
    throw err;
  }
}
