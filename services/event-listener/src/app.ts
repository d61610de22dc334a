import type { IncomingMessage } from 'node:http';
import type { PreAuthentication } from '@signalbox/triggers';
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type RequestPayload,
} from 'fastify';
import type { Redis } from 'ioredis';
import type { BackPressure } from './back-pressure.ts';
import { type BodyBudget, createBodyBudget } from './body-budget.ts';
import type { DeliveryLedger } from './delivery-ledger.ts';
import { createDeliveryStore, type DeliveryStore, type Producers } from './delivery-store.ts';
import { httpErrors } from './http-errors.ts';
import { installJsonErrors } from './install-json-errors.ts';
import { handleDelivery, type IntakeDeps, recordRefusal } from './intake.ts';
import { jsonErrorOptions } from './json-error-options.ts';
import { readWebhookBody, type WebhookBody } from './read-webhook-body.ts';
import { type ListenerReadiness, readinessAnswer } from './readiness.ts';
import { RequestError } from './request-error.ts';

/** Size and time bounds on one webhook body, by the sender its listener serves. */
export interface BodyLimits {
  /** Bytes of a body to a GitHub (or any non-Harbor-only) listener; default 25 MiB, GitHub's own cap. */
  readonly github: number;
  /** Bytes of a body to a listener whose triggers only read Harbor; default 1 MiB (payloads are a few KiB). */
  readonly harbor: number;
  /** The body must have arrived this long after the headers; GitHub gives up after 10 s (default 10 000). */
  readonly githubTimeoutMs: number;
  /** The same for Harbor-only listeners; Harbor gives up after 3 s (default 3 000). */
  readonly harborTimeoutMs: number;
}

export interface EventListenerDeps extends Omit<IntakeDeps, 'store'> {
  readonly producers: Producers;
  /** The connection the intake's commit script runs on (the producers' and ledger's). */
  readonly redis: Redis;
  /** The delivery ledger, written through the intake's grouped store. */
  readonly ledger: DeliveryLedger;
  /** The grouped store, when the admin API shares it; built from the above otherwise. */
  readonly store?: DeliveryStore;
  /** Readiness: config loaded, Redis reachable, the config's secrets readable. */
  ready(): ListenerReadiness;
  /** Body bytes of a GitHub listener (default 25 MiB); `limits.github` wins when given. */
  readonly bodyLimit: number;
  readonly limits?: Partial<BodyLimits>;
  /** Bytes of bodies held at once across connections (default 64 MiB of a 512 MiB pod). */
  readonly budget?: BodyBudget;
  /** The bound on runs not yet taken by a scheduler (503 + Retry-After beyond); none when absent. */
  readonly backPressure?: BackPressure;
}

/** Default `EventListenerDeps.budget` size. */
const defaultBufferedBytes = 64 * 1024 * 1024;

/** The `signalbox_deliveries_total` outcome of each edge refusal (the intake names its own). */
const outcomes: Readonly<Record<string, string>> = {
  unauthorized: 'unauthenticated',
  not_found: 'unknown_listener',
  payload_too_large: 'too_large',
  request_timeout: 'timeout',
  at_capacity: 'at_capacity',
  not_ready: 'unavailable',
  shutting_down: 'unavailable',
  client_aborted: 'aborted',
};

/** What the gate decided for a request, for its body parser and handler. */
interface Admitted {
  readonly gate: PreAuthentication;
  readonly limit: number;
  readonly timeoutMs: number;
  /** Takes bytes from the shared budget for this request. */
  hold(bytes: number): boolean;
  read?: WebhookBody;
}

/** The server's bounds: timeouts for senders that dawdle, keep-alive beyond the proxy's. */
function createServer(): FastifyInstance {
  return Fastify({
    logger: false,
    return503OnClosing: true,
    // Headers come in one packet; a sender that takes longer is not GitHub or Harbor.
    http: { headersTimeout: 10_000, connectionsCheckingInterval: 1_000 },
    // A backstop behind each body's own timer (GitHub 10 s, Harbor 3 s).
    requestTimeout: 30_000,
    // Longer than the 60 s idle timeout of nginx's upstream keep-alive and of cloud load
    // balancers, so the listener never closes a connection the proxy is about to reuse (a 502);
    // the socket's inactivity timeout is longer still, so it never cuts an idle keep-alive first.
    keepAliveTimeout: 65_000,
    connectionTimeout: 70_000,
    ...jsonErrorOptions(),
  });
}

type Admissions = WeakMap<IncomingMessage, Admitted>;
type HookRequest = FastifyRequest<{ Params: { listener: string } }>;

/**
 * The webhook body parser: reads the body the gate admitted, within its limit, time and the
 * shared budget, HMAC'ing it as it streams when the gate left the signature to the body.
 */
function bodyParser(admitted: Admissions, budget: BodyBudget) {
  return async (request: { raw: IncomingMessage }, payload: IncomingMessage) => {
    const admission = admitted.get(request.raw);
    if (!admission) throw new RequestError(httpErrors.NOT_FOUND);
    const length = Number(request.raw.headers['content-length']);
    const read = await readWebhookBody(payload, {
      contentLength: Number.isSafeInteger(length) && length >= 0 ? length : undefined,
      limit: admission.limit,
      timeoutMs: admission.timeoutMs,
      hold: admission.hold,
      track: budget.track,
      ...(admission.gate.outcome === 'verify-body' ? { verifier: admission.gate.verifier } : {}),
    });
    admission.read = read;
    return read.rawBody;
  };
}

/** The gate: runs on the headers, before any byte of the body is read. */
function admissionGate(
  deps: EventListenerDeps,
  limits: BodyLimits,
  budget: BodyBudget,
  started: WeakMap<IncomingMessage, number>,
  admitted: Admissions,
) {
  return async (request: HookRequest, reply: FastifyReply, payload: RequestPayload) => {
    started.set(request.raw, performance.now());
    const engine = deps.engine();
    if (!engine) throw new RequestError(httpErrors.NOT_READY);
    const { listener } = request.params;
    const auth = engine.authentication(listener);
    const gate = engine.preAuthenticate(listener, request.headers);
    if (!auth || !gate) {
      throw new RequestError(httpErrors.NOT_FOUND, `no EventListener named ${JSON.stringify(listener)}`);
    }
    if (gate.outcome === 'refused') {
      deps.logger.info({ listener, status: 401, reason: gate.reason }, 'delivery rejected before its body');
      throw new RequestError(httpErrors.UNAUTHORIZED);
    }
    const refusal = deps.backPressure?.refusal();
    if (refusal) {
      throw new RequestError(httpErrors.AT_CAPACITY, refusal.message, {
        retryAfter: refusal.retryAfterSeconds,
      });
    }
    const harbor = auth.senders === 'harbor';
    const limit = harbor ? limits.harbor : limits.github;
    const length = Number(request.headers['content-length']);
    if (length > limit) {
      throw new RequestError(httpErrors.PAYLOAD_TOO_LARGE, `body is larger than the limit of ${limit} bytes`);
    }
    let held = 0;
    // Released when the answer is sent or the connection dies, not when reading ends: the
    // buffer lives on through parsing and evaluation.
    reply.raw.once('close', () => budget.release(held));
    admitted.set(request.raw, {
      gate,
      limit,
      timeoutMs: harbor ? limits.harborTimeoutMs : limits.githubTimeoutMs,
      hold(bytes) {
        if (!budget.reserve(bytes)) return false;
        held += bytes;
        return true;
      },
    });
    return payload;
  };
}

/** The webhook handler: the admitted body (or an empty one, still verified) into the intake. */
function deliver(intake: IntakeDeps, admitted: Admissions) {
  return async (request: HookRequest, reply: FastifyReply) => {
    const admission = admitted.get(request.raw);
    let read = admission?.read;
    if (!read) {
      // No body at all (the parser never ran): an empty body's HMAC still has to match.
      read = { rawBody: Buffer.alloc(0) };
      if (admission?.gate.outcome === 'verify-body') {
        const { authenticated, hmacs } = admission.gate.verifier.finish();
        if (!authenticated) throw new RequestError(httpErrors.UNAUTHORIZED);
        read = { rawBody: read.rawBody, hmacs };
      }
    }
    const result = await handleDelivery(intake, {
      listener: request.params.listener,
      url: request.url,
      headers: request.headers,
      rawBody: read.rawBody,
      ...(read.hmacs ? { hmacs: read.hmacs } : {}),
    });
    return reply.code(result.status).send(result.body);
  };
}

/** The store, its commits' runs jobs counted by the back-pressure until Redis has answered. */
function heldStore(store: DeliveryStore, backPressure: BackPressure | undefined): DeliveryStore {
  if (!backPressure) return store;
  return {
    ...store,
    async commit(write) {
      // A delivery's runs are one job (`runsQueue`), the unit the runs queue's waiting count has.
      const release = backPressure.hold(write.runs.length > 0 ? 1 : 0);
      try {
        return await store.commit(write);
      } finally {
        release();
      }
    },
  };
}

/**
 * The event-listener's public side as an un-started Fastify app: `POST /hooks/:listener` and the
 * probes (`/healthz`, `/readyz`) — nothing else, since this port faces the internet. The admin API
 * and `/metrics` are `buildAdminApi`'s, on ADMIN_PORT. Every error is JSON `{error, message}`.
 *
 * Authentication comes before buffering: the headers are checked against every secret the
 * listener's config names (Harbor's `Authorization` in full, the presence of a GitHub signature),
 * and a GitHub body is HMAC'd as it streams in, so a request no secret authenticates is answered
 * 401 without being parsed, and at once unless its signature is what is in doubt. The trigger
 * engine then still checks every interceptor's secret itself.
 */
export function buildEventListener(deps: EventListenerDeps): FastifyInstance {
  const intake: IntakeDeps = {
    ...deps,
    store: heldStore(deps.store ?? createDeliveryStore(deps), deps.backPressure),
  };
  const limits: BodyLimits = {
    github: deps.bodyLimit,
    harbor: 1024 * 1024,
    githubTimeoutMs: 10_000,
    harborTimeoutMs: 3_000,
    ...deps.limits,
  };
  const budget = deps.budget ?? createBodyBudget(defaultBufferedBytes);
  const started = new WeakMap<IncomingMessage, number>();
  const admitted = new WeakMap<IncomingMessage, Admitted>();
  const app = createServer();
  const listenerLabel = (name: string) => (deps.engine()?.config.listeners.has(name) ? name : '_unknown');
  installJsonErrors(app, {
    logger: deps.logger,
    onRejected(request, status, code) {
      const params = request.params as { listener?: string } | undefined;
      if (request.method !== 'POST' || typeof params?.listener !== 'string') return;
      const since = started.get(request.raw) ?? performance.now();
      deps.metrics.delivery(
        listenerLabel(params.listener),
        outcomes[code] ?? 'invalid',
        status,
        (performance.now() - since) / 1000,
      );
      recordRefusal(intake, { listener: params.listener, status, error: code, headers: request.headers });
    },
  });

  // Draining: a keep-alive connection whose last request finishes after close() began would stay
  // open for keepAliveTimeout and hold the shutdown; end such connections at once instead.
  app.addHook('preClose', (done) => {
    app.server.keepAliveTimeout = 1;
    done();
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', bodyParser(admitted, budget));

  app.route({
    method: ['GET', 'PUT', 'PATCH', 'DELETE'],
    url: '/hooks/:listener',
    handler: async (_request, reply) =>
      reply
        .code(httpErrors.METHOD_NOT_ALLOWED.status)
        .header('allow', 'POST')
        .send({ error: httpErrors.METHOD_NOT_ALLOWED.code, message: httpErrors.METHOD_NOT_ALLOWED.message }),
  });

  app.post<{ Params: { listener: string } }>(
    '/hooks/:listener',
    {
      // The gate: runs on the headers, before any byte of the body is read.
      preParsing: admissionGate(deps, limits, budget, started, admitted),
    },
    deliver(intake, admitted),
  );

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const answer = readinessAnswer(deps.ready());
    return reply.code(answer.status).send(answer.body);
  });
  return app;
}
