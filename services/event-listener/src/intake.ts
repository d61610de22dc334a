import { hash } from 'node:crypto';
import {
  normalizeHarborPayload,
  parseBody,
  type TriggerEngine,
  UpstreamUnavailableError,
} from '@signalbox/triggers';
import type { Logger } from 'pino';
import type { DeliveryRecord, StoredVerdict } from './delivery-ledger.ts';
import { redactHeaders } from './delivery-ledger.ts';
import type { CommitResult, DeliveryStore, DurableWrite } from './delivery-store.ts';
import { deliveryIdentity, isBodyHash } from './event-id.ts';
import { planFanOut } from './fan-out.ts';
import { type HttpErrorSpec, httpErrors } from './http-errors.ts';
import type { ListenerMetrics } from './listener-metrics.ts';
import type { Refusal } from './refusal-log.ts';

export interface IntakeDeps {
  /** The engine over the current config (swapped on reload); undefined until one loaded. */
  engine(): TriggerEngine | undefined;
  /** The durable, deduplicated write of jobs + ledger record (grouped across deliveries). */
  readonly store: DeliveryStore;
  readonly logger: Logger;
  readonly metrics: ListenerMetrics;
  readonly now: () => Date;
  /** Bodies above this are kept in the ledger without their text (default 1 MiB). */
  readonly ledgerBodyCapBytes: number;
  /**
   * Milliseconds from request to acknowledgement after which a delivery Redis has not stored yet
   * is answered 503 (default 2 500: Harbor gives up after 3 s, GitHub after 10 s). Work still
   * under way completes or not; either way the sender's retry finds it or redoes it, same ids.
   */
  readonly ackDeadlineMs: number;
}

export interface IntakeRequest {
  readonly listener: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly rawBody: Buffer;
  /** HMACs of `rawBody` by secret, computed while it streamed in (the engine reuses them). */
  readonly hmacs?: ReadonlyMap<string, string>;
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

const errorBody = (spec: HttpErrorSpec, message: string = spec.message) => ({
  error: spec.code,
  message,
});

const timedOut: unique symbol = Symbol('timed out');

/**
 * The clock of one request: seconds since it arrived, and Redis work raced against its
 * acknowledgement deadline (one timer, armed on first use, for the time that is left).
 */
function ackClock(deadlineMs: number) {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  let expired: Promise<typeof timedOut> | undefined;
  return {
    seconds: () => (performance.now() - started) / 1000,
    /**
     * When outside calls (the GitHub API) must stop so the delivery can still be stored and
     * answered in time (epoch ms): the deadline less a fifth of it (at most 500 ms) kept for Redis.
     */
    outsideCallDeadline: () =>
      Date.now() + deadlineMs - Math.min(500, deadlineMs / 5) - (performance.now() - started),
    async within<T>(work: Promise<T>): Promise<T> {
      expired ??= new Promise((resolve) => {
        timer = setTimeout(resolve, Math.max(0, deadlineMs - (performance.now() - started)), timedOut);
      });
      const result = await Promise.race([work, expired]);
      if (result === timedOut) throw new Error(`Redis did not answer within ${deadlineMs} ms`);
      return result as T;
    },
    clear: () => clearTimeout(timer),
  };
}

/**
 * One webhook delivery, from raw request to acknowledgement: parse, evaluate every trigger, then in
 * one Redis step enqueue one job per rendered resource (deterministic ids) and record the delivery
 * unless its delivery id was seen (a duplicate is answered with the original verdicts). Dedup
 * comes after authentication, so an unauthenticated sender learns nothing from a known id.
 * 202 only once every job and the record are in Redis; 503 when Redis cannot take them, so the
 * sender retries and the retry completes the work with the same ids (nothing lost, nothing doubled).
 */
export async function handleDelivery(
  deps: IntakeDeps,
  request: IntakeRequest,
  options: IntakeOptions = {},
): Promise<IntakeResult> {
  const clock = ackClock(deps.ackDeadlineMs);
  try {
    return await intake(deps, request, options, clock);
  } finally {
    clock.clear();
  }
}

type AckClock = ReturnType<typeof ackClock>;
type FanOutPlan = ReturnType<typeof planFanOut>;

/**
 * The one answer path of a request (done / reject / unavailable): every outcome is logged once
 * and counted once. Its label and bindings grow as the delivery is identified.
 */
interface Answer {
  readonly deps: IntakeDeps;
  readonly ack: AckClock;
  // Metric labels only from the config: every unknown name shares one series, so a sender
  // cannot grow /metrics by inventing listener names.
  label: string;
  bindings: Record<string, string>;
  /** The headers of a webhook to a configured listener (not a replay): its refusal is recorded. */
  refusable?: IntakeRequest['headers'];
}

/**
 * Records a refusal in the ledger's capped refusals, for the console, without holding the
 * answer; only for a configured listener, so an invented name appears nowhere. A failed write is
 * logged, not answered.
 */
export function recordRefusal(deps: Pick<IntakeDeps, 'engine' | 'store' | 'logger'>, refusal: Refusal): void {
  if (!deps.engine()?.config.listeners.has(refusal.listener)) return;
  deps.store.refuse(refusal).catch((err: unknown) => {
    deps.logger.warn(
      {
        listener: refusal.listener,
        status: refusal.status,
        err: err instanceof Error ? err.message : String(err),
      },
      'could not record a refused delivery',
    );
  });
}

function done(a: Answer, status: number, outcome: string, body: Record<string, unknown>): IntakeResult {
  a.deps.metrics.delivery(a.label, outcome, status, a.ack.seconds());
  if (status >= 400 && a.refusable) {
    recordRefusal(a.deps, { listener: a.label, status, error: String(body.error), headers: a.refusable });
  }
  return { status, body };
}

// Every rejection is logged once, at info, with its reason (never a header or the body).
function reject(a: Answer, spec: HttpErrorSpec, outcome: string, message = spec.message, extra = {}) {
  const { status } = spec;
  a.deps.logger.info({ ...a.bindings, status, outcome, reason: message, ...extra }, 'delivery rejected');
  return done(a, status, outcome, errorBody(spec, message));
}

function unknownListener(a: Answer, listener: string) {
  return reject(
    a,
    httpErrors.NOT_FOUND,
    'unknown_listener',
    `no EventListener named ${JSON.stringify(listener)}`,
  );
}

function unavailable(a: Answer, err: unknown) {
  a.deps.logger.warn(
    { ...a.bindings, err: err instanceof Error ? err.message : String(err) },
    'delivery not accepted: Redis unavailable',
  );
  return done(a, httpErrors.UNAVAILABLE.status, 'unavailable', errorBody(httpErrors.UNAVAILABLE));
}

/** An interceptor's outside call failed; anything else is not ours to answer and is rethrown. */
function upstreamUnavailable(a: Answer, err: unknown): IntakeResult {
  if (!(err instanceof UpstreamUnavailableError)) throw err;
  // Nothing was stored: GitHub shows the delivery as failed, and its redelivery (or
  // `signalbox deliveries recover`) is evaluated afresh — a 2xx here would lose the build.
  a.deps.logger.warn(
    { ...a.bindings, reason: err.message },
    'delivery not accepted: an interceptor call failed',
  );
  const spec = httpErrors.UPSTREAM_UNAVAILABLE;
  return done(a, spec.status, 'upstream_unavailable', errorBody(spec, `${err.message}; retry later`));
}

function storedVerdicts(plan: FanOutPlan): StoredVerdict[] {
  return plan.verdicts.map((v) => ({
    name: v.name,
    fired: v.fired,
    ...(v.reason ? { reason: v.reason } : {}),
    ...(v.warnings ? { warnings: v.warnings } : {}),
    ...(v.fired ? { resources: plan.jobsByTrigger.get(v.name) ?? [] } : {}),
  }));
}

/** The delivery's jobs and ledger record, as one durable write. */
function durableWrite(
  deps: IntakeDeps,
  request: IntakeRequest,
  options: IntakeOptions,
  bindings: { eventID: string; deliveryId: string; listener: string },
  parsed: { readonly contentType: string; readonly body: Record<string, unknown> },
  plan: FanOutPlan,
  verdicts: StoredVerdict[],
): DurableWrite {
  const { eventID, deliveryId, listener } = bindings;
  const jobIds = [...plan.jobsByTrigger.values()].flat().map((j) => j.jobId);
  // GitHub's signature does not cover X-GitHub-Delivery: the signed body is remembered too, so a
  // captured delivery re-sent under a new id is a duplicate. GitHub's own redelivery keeps the id.
  const bodyHash = options.replay || isBodyHash(deliveryId) ? undefined : hash('sha256', request.rawBody);
  const keepBody = request.rawBody.length <= deps.ledgerBodyCapBytes;
  const { repo, sha, image } = plan.correlation;
  // The jobs' correlation names the image only (the tag is the image-update's own field); the
  // ledger shows `image:tag`. Only a Harbor delivery has an image, so only it is read again.
  const tag = image ? normalizeHarborPayload(parsed.body)?.tag : undefined;
  const record: Omit<DeliveryRecord, 'body'> = {
    eventID,
    deliveryId,
    listener,
    receivedAt: deps.now().toISOString(),
    contentType: parsed.contentType,
    headers: redactHeaders(request.headers),
    ...(keepBody ? {} : { bodyTruncated: true }),
    bodyBytes: request.rawBody.length,
    ...(repo ? { repo } : {}),
    ...(sha ? { sha } : {}),
    ...(image ? { image } : {}),
    ...(tag ? { tag } : {}),
    verdicts,
    jobIds,
    ...(options.replay ? { replayOf: options.replay.of } : {}),
  };
  return {
    runs: plan.runs,
    imageUpdates: plan.imageUpdates,
    notifications: plan.notifications,
    record,
    ...(bodyHash ? { bodyHash } : {}),
    ...(keepBody ? { body: request.rawBody } : {}),
  };
}

/** What the engine reads of the request. */
function incomingOf(request: IntakeRequest) {
  return {
    method: 'POST',
    url: request.url,
    headers: request.headers,
    rawBody: request.rawBody,
    ...(request.hmacs ? { hmacs: request.hmacs } : {}),
  };
}

function logAccepted(
  a: Answer,
  verdicts: readonly StoredVerdict[],
  jobs: number,
  options: IntakeOptions,
): void {
  if (!a.deps.logger.isLevelEnabled('info')) return;
  a.deps.logger.info(
    {
      ...a.bindings,
      fired: verdicts.filter((v) => v.fired).map((v) => v.name),
      notFired: verdicts.filter((v) => !v.fired).map((v) => `${v.name}: ${v.reason}`),
      jobs,
      ...(options.replay ? { replayOf: options.replay.of } : {}),
    },
    'delivery accepted',
  );
}

/** A copy of a delivery accepted before: 202 with the original's event id and verdicts. */
async function answerDuplicate(
  a: Answer,
  write: DurableWrite,
  prior: string,
  tekton: Record<string, unknown>,
): Promise<IntakeResult> {
  a.deps.logger.info(
    { ...a.bindings, originalEventID: prior },
    'duplicate delivery: acknowledged, nothing enqueued',
  );
  // The original verdicts, so a redelivery shows in GitHub's log why things fired or not.
  const triggers = await a.ack.within(a.deps.store.duplicate(write, prior)).catch((err: unknown) => {
    a.deps.logger.warn(
      { ...a.bindings, err: err instanceof Error ? err.message : String(err) },
      'duplicate delivery: recording it or reading the original verdicts failed',
    );
    return [];
  });
  return done(a, 202, 'duplicate', { ...tekton, eventID: prior, duplicate: true, triggers });
}

async function intake(
  deps: IntakeDeps,
  request: IntakeRequest,
  options: IntakeOptions,
  ack: AckClock,
): Promise<IntakeResult> {
  const { listener } = request;
  const a: Answer = { deps, ack, label: '_unknown', bindings: { listener } };
  const engine = deps.engine();
  if (!engine) return reject(a, httpErrors.NOT_READY, 'unavailable');
  const model = engine.config.listeners.get(listener);
  if (!model) return unknownListener(a, listener);
  a.label = listener;
  if (!options.replay) a.refusable = request.headers;
  const identity = deliveryIdentity(listener, request.headers, request.rawBody);
  const eventID = options.replay?.eventID ?? identity.eventID;
  const deliveryId = options.replay ? `replay:${options.replay.of}:${eventID}` : identity.deliveryId;
  // Bindings per call rather than a child logger per delivery: pino's child() recompiles its
  // redaction for every child, a measurable cost at webhook rates.
  const bindings = { listener, deliveryId, eventID };
  a.bindings = bindings;
  const contentType = String(request.headers['content-type'] ?? '');
  const parsed = parseBody(contentType, request.rawBody);
  if (!parsed.ok) return reject(a, httpErrors[parsed.code], 'invalid', parsed.message);
  const tekton = {
    eventListener: model.name,
    namespace: model.namespace,
    eventListenerUID: model.uid,
    eventID,
  };

  let evaluation: Awaited<ReturnType<typeof engine.evaluate>>;
  try {
    evaluation = await engine.evaluate(listener, incomingOf(request), {
      eventID,
      body: parsed.body,
      deadline: ack.outsideCallDeadline(),
      ...(options.replay ? { trusted: true } : {}),
    });
  } catch (err) {
    return upstreamUnavailable(a, err);
  }
  if (!evaluation) return unknownListener(a, listener);
  if (!evaluation.authenticated) {
    // The answer names nothing (which trigger or secret exists is the operator's business); the
    // log line says why each trigger refused.
    return reject(a, httpErrors.UNAUTHORIZED, 'unauthenticated', undefined, {
      triggers: evaluation.triggers.map((t) => `${t.name}: ${t.reason ?? 'fired'}`),
    });
  }
  const plan = planFanOut(evaluation, parsed.body, deliveryId, deps.now());
  const verdicts = storedVerdicts(plan);
  if (options.dryRun) return { status: 200, body: { ...tekton, dryRun: true, triggers: verdicts } };

  const write = durableWrite(
    deps,
    request,
    options,
    bindings,
    { contentType, body: parsed.body },
    plan,
    verdicts,
  );
  let stored: CommitResult;
  try {
    stored = await ack.within(deps.store.commit(write));
  } catch (err) {
    return unavailable(a, err);
  }
  if (stored.duplicateOf) return answerDuplicate(a, write, stored.duplicateOf, tekton);
  for (const v of verdicts) deps.metrics.verdict(listener, v.name, v.fired);
  logAccepted(a, verdicts, write.record.jobIds.length, options);
  return done(a, 202, 'accepted', {
    ...tekton,
    triggers: verdicts,
    ...(options.replay ? { replayOf: options.replay.of } : {}),
  });
}
