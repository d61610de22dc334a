import { resolveBindingValue } from '../bindings/binding-value.ts';
import type { LoadedConfig, TriggerModel } from '../config/config-model.ts';
import { type ListenerAuthentication, listenerAuthentication } from '../config/listener-authentication.ts';
import { toHeaderMap } from '../http/to-header-map.ts';
import type { Interceptor, InterceptorDeps, InterceptorRequest } from '../interceptors/interceptor.ts';
import { UpstreamUnavailableError } from '../interceptors/upstream-unavailable-error.ts';
import { boundParamValue } from '../templates/bound-param-value.ts';
import { renderTemplate } from '../templates/render-template.ts';
import type { Evaluation, IncomingRequest, TriggerVerdict } from '../types.ts';
import { BodyError } from './body-error.ts';
import { parseBody } from './parse-body.ts';
import { type PreAuthentication, preAuthenticate } from './pre-authenticate.ts';

interface ChainOutcome {
  readonly continue: boolean;
  readonly reason?: string;
  readonly authenticated: boolean;
  readonly extensions: Record<string, unknown>;
}

/** A chain under way: what its interceptors have said so far, and the request the next one sees. */
interface ChainState {
  authenticated: boolean;
  extensions: Record<string, unknown>;
  view: InterceptorRequest;
}

/** An interceptor threw: a stop with its message, unless no verdict can be given now. */
function thrown(interceptor: Interceptor, err: unknown, state: ChainState): ChainOutcome {
  // Not a verdict: the trigger cannot be decided now, so neither can the delivery.
  if (err instanceof UpstreamUnavailableError) throw err;
  return {
    continue: false,
    reason: `interceptor ${interceptor.label}: ${(err as Error).message}`,
    authenticated: state.authenticated,
    extensions: state.extensions,
  };
}

/** Takes in one interceptor's answer; the chain's outcome when it stops the chain. */
function answered(
  interceptor: Interceptor,
  result: Awaited<ReturnType<Interceptor['run']>>,
  state: ChainState,
): ChainOutcome | undefined {
  state.authenticated ||= result.authenticated === true;
  // Most answers add nothing (a cel filter without overlays returns `{}`): the request seen by
  // the next interceptor is then the same object.
  if (result.extensions && Object.keys(result.extensions).length > 0) {
    state.extensions = { ...state.extensions, ...result.extensions };
    state.view = { ...state.view, extensions: state.extensions };
  }
  if (result.continue) return undefined;
  return {
    continue: false,
    reason: `interceptor ${interceptor.label}: ${result.reason ?? 'stopped'}`,
    authenticated: state.authenticated,
    extensions: state.extensions,
  };
}

/**
 * Runs interceptors from `from` on. Synchronous while they answer synchronously (most do), so
 * ten triggers' chains cost no promise per trigger; the rest of the chain waits for one that
 * answers with a promise.
 */
function continueChain(
  interceptors: readonly Interceptor[],
  from: number,
  state: ChainState,
  deps: InterceptorDeps,
): ChainOutcome | Promise<ChainOutcome> {
  for (let i = from; i < interceptors.length; i++) {
    const interceptor = interceptors[i] as Interceptor;
    let out: ReturnType<Interceptor['run']>;
    try {
      out = interceptor.run(state.view, deps);
    } catch (err) {
      return thrown(interceptor, err, state);
    }
    if (out instanceof Promise) {
      return out.then(
        (result) => answered(interceptor, result, state) ?? continueChain(interceptors, i + 1, state, deps),
        (err: unknown) => thrown(interceptor, err, state),
      );
    }
    const stopped = answered(interceptor, out, state);
    if (stopped) return stopped;
  }
  return { continue: true, authenticated: state.authenticated, extensions: state.extensions };
}

function runChain(
  interceptors: readonly Interceptor[],
  request: Omit<InterceptorRequest, 'extensions'>,
  seed: Record<string, unknown>,
  deps: InterceptorDeps,
): ChainOutcome | Promise<ChainOutcome> {
  const extensions = { ...seed };
  return continueChain(
    interceptors,
    0,
    { authenticated: false, extensions, view: { ...request, extensions } },
    deps,
  );
}

/** Bounds on what event text can make of an object. */
export interface RenderLimits {
  /**
   * Bytes of one substituted param value (JSON-escaped, as it goes into the object); longer values
   * are cut with a marker and the verdict carries a warning. Default 64 KiB.
   */
  readonly maxParamBytes: number;
  /** Bytes of one rendered resource; a bigger one is not created (the trigger's verdict says why). Default 1 MiB. */
  readonly maxObjectBytes: number;
}

/** The defaults of `RenderLimits`. */
const defaultLimits: RenderLimits = { maxParamBytes: 64 * 1024, maxObjectBytes: 1024 * 1024 };

/** What the engine needs from outside: secrets, optionally the GitHub API and a logger. */
export interface TriggerEngineDeps extends InterceptorDeps {
  /** Each verdict at debug level (the listener logs the delivery's outcome once, at info). */
  readonly logger?: { debug(obj: Record<string, unknown>, msg: string): void };
  readonly limits?: Partial<RenderLimits>;
}

/** The trigger engine over one loaded config. Pure apart from the optional GitHub files call. */
export interface TriggerEngine {
  readonly config: LoadedConfig;
  /**
   * Runs every trigger of a listener on one request; `undefined` for an unknown listener.
   * `body` is the request's JSON object when the caller already parsed it (the listener does, to
   * answer 400/415 before anything else); without it the body is parsed here with `parseBody`
   * from the `content-type` header and a `BodyError` is thrown when it is not a JSON object.
   * `trusted` marks an admin replay of a delivery that was authenticated when it arrived.
   * `deadline` (epoch ms) bounds outside calls (the GitHub API), retries included. Throws
   * `UpstreamUnavailableError` when such a call failed transiently: no verdict can be given now.
   */
  evaluate(
    listenerName: string,
    request: IncomingRequest,
    options: { eventID: string; body?: Record<string, unknown>; trusted?: boolean; deadline?: number },
  ): Promise<Evaluation | undefined>;
  /** What a listener's config requires of a sender (`undefined` for an unknown listener). */
  authentication(listenerName: string): ListenerAuthentication | undefined;
  /**
   * The gate in front of the body: whether any configured secret can authenticate a request with
   * these headers (`undefined` for an unknown listener). Reads the secrets at each call, so a
   * rotated secret applies at once, as in `evaluate()`.
   */
  preAuthenticate(
    listenerName: string,
    headers: Readonly<Record<string, string | readonly string[] | undefined>>,
  ): PreAuthentication | undefined;
}

// Per request and per trigger, not per trigger per request: ten triggers that fire for one
// delivery share the joined header map, and a trigger's template defaults never change.
const joinedHeaders = new WeakMap<object, Record<string, string>>();
const defaultsByTrigger = new WeakMap<TriggerModel, Map<string, string | undefined>>();

/** The request's headers as bindings read them (`$(header.X)`: values joined with commas). */
function joinedHeader(header: Readonly<Record<string, readonly string[]>>): Record<string, string> {
  let joined = joinedHeaders.get(header);
  if (!joined) {
    joined = {};
    for (const [k, v] of Object.entries(header)) joined[k] = v.join(',');
    joinedHeaders.set(header, joined);
  }
  return joined;
}

function templateDefaults(trigger: TriggerModel): Map<string, string | undefined> {
  let defaults = defaultsByTrigger.get(trigger);
  if (!defaults) {
    defaults = new Map(trigger.template.params.map((p) => [p.name, p.default]));
    defaultsByTrigger.set(trigger, defaults);
  }
  return defaults;
}

/**
 * A trigger's bindings resolved into params, each bounded to `maxParamBytes` (a warning says what
 * was cut). A binding that cannot be resolved fails the trigger unless its template has a default.
 */
function bindParams(
  trigger: TriggerModel,
  event: Parameters<typeof resolveBindingValue>[1],
  limits: RenderLimits,
): { params: Record<string, string>; warnings: string[] } | { failed: string } {
  const params: Record<string, string> = {};
  const warnings: string[] = [];
  const defaults = templateDefaults(trigger);
  for (const binding of trigger.bindings) {
    try {
      const value = resolveBindingValue(binding.parts, event);
      const bounded = boundParamValue(value, limits.maxParamBytes);
      params[binding.name] = bounded?.value ?? value;
      if (bounded) {
        warnings.push(
          `param ${binding.name}: ${bounded.cutBytes} bytes cut (values are limited to ${limits.maxParamBytes} bytes)`,
        );
      }
    } catch (err) {
      if (defaults.get(binding.name) !== undefined) continue; // the template default applies
      return { failed: `binding ${binding.name}: ${(err as Error).message}` };
    }
  }
  return { params, warnings };
}

/**
 * One trigger against one request: its interceptor chain (after the group's, whose outcome is
 * `seed`), its bindings into params, then its template rendered. The verdict names the stage that
 * stopped it. Synchronous unless an interceptor answered with a promise.
 */
function evaluateTrigger(
  deps: TriggerEngineDeps,
  limits: RenderLimits,
  trigger: TriggerModel,
  listener: { name: string; namespace: string },
  request: Omit<InterceptorRequest, 'extensions'>,
  seed: { extensions: Record<string, unknown>; authenticated: boolean },
  eventID: string,
): TriggerVerdict | Promise<TriggerVerdict> {
  const chain = runChain(trigger.interceptors, request, seed.extensions, deps);
  const decide = (outcome: ChainOutcome) =>
    afterChain(
      limits,
      trigger,
      listener,
      request,
      seed.authenticated || outcome.authenticated,
      outcome,
      eventID,
    );
  return chain instanceof Promise ? chain.then(decide) : decide(chain);
}

/** A trigger whose chain has run: stopped there, or its bindings and template decide. */
function afterChain(
  limits: RenderLimits,
  trigger: TriggerModel,
  listener: { name: string; namespace: string },
  request: Omit<InterceptorRequest, 'extensions'>,
  authenticated: boolean,
  chain: ChainOutcome,
  eventID: string,
): TriggerVerdict {
  if (!chain.continue) {
    return {
      name: trigger.name,
      fired: false,
      stage: 'interceptor',
      reason: chain.reason ?? 'stopped',
      authenticated,
      extensions: chain.extensions,
    };
  }
  const event = {
    body: request.body,
    // Joined only if a binding reads a header: most read the body alone.
    get header() {
      return joinedHeader(request.header);
    },
    extensions: chain.extensions,
    context: { eventID },
  };
  const bound = bindParams(trigger, event, limits);
  if ('failed' in bound) {
    return {
      name: trigger.name,
      fired: false,
      stage: 'binding',
      reason: bound.failed,
      authenticated,
      extensions: chain.extensions,
    };
  }
  const { params, warnings } = bound;
  let resources: TriggerVerdict['resources'];
  try {
    resources = renderTemplate(trigger.template, params, {
      listener: listener.name,
      trigger: trigger.name,
      eventID,
      namespace: trigger.namespace,
      maxObjectBytes: limits.maxObjectBytes,
    });
  } catch (err) {
    return {
      name: trigger.name,
      fired: false,
      stage: 'template',
      reason: `template ${trigger.template.name}: ${(err as Error).message}`,
      authenticated,
      extensions: chain.extensions,
      params,
      ...(warnings.length > 0 ? { warnings } : {}),
    };
  }
  return {
    name: trigger.name,
    fired: true,
    authenticated,
    extensions: chain.extensions,
    params,
    resources,
    ...(warnings.length > 0 ? { warnings } : {}),
  };
}

function logVerdicts(
  logger: NonNullable<TriggerEngineDeps['logger']>,
  listener: string,
  eventID: string,
  verdicts: readonly TriggerVerdict[],
): void {
  for (const v of verdicts) {
    logger.debug(
      { listener, eventID, trigger: v.name, fired: v.fired, reason: v.reason },
      'trigger evaluated',
    );
  }
}

/**
 * Builds the engine: per trigger, the interceptor chain (extensions merge; each may stop it),
 * then bindings (a missing value takes the template default, else the trigger does not fire),
 * then the template. Each trigger gets a verdict saying whether it fired and why not.
 */
export function createTriggerEngine(config: LoadedConfig, deps: TriggerEngineDeps): TriggerEngine {
  const limits: RenderLimits = { ...defaultLimits, ...deps.limits };
  const authentication = new Map(
    [...config.listeners].map(([name, listener]) => [name, listenerAuthentication(listener)]),
  );

  return {
    config,
    authentication: (name) => authentication.get(name),
    preAuthenticate(name, headers) {
      const auth = authentication.get(name);
      return auth && preAuthenticate(auth, headers, deps.secrets);
    },
    async evaluate(listenerName, incoming, { eventID, body, trusted, deadline }) {
      const listener = config.listeners.get(listenerName);
      if (!listener) return undefined;
      let parsed = body;
      if (!parsed) {
        const contentType = incoming.headers['content-type'];
        const result = parseBody(Array.isArray(contentType) ? contentType[0] : contentType, incoming.rawBody);
        if (!result.ok) throw new BodyError(result.code, result.message);
        parsed = result.body;
      }
      const request = {
        rawBody: incoming.rawBody,
        body: parsed,
        header: toHeaderMap(incoming.headers),
        requestURL: incoming.url,
        ...(trusted ? { trusted } : {}),
        ...(deadline !== undefined ? { deadline } : {}),
        ...(incoming.hmacs ? { hmacs: incoming.hmacs } : {}),
      };
      const verdicts: TriggerVerdict[] = [];
      const unseeded = { extensions: {}, authenticated: false };
      for (const trigger of listener.triggers) {
        const verdict = evaluateTrigger(deps, limits, trigger, listener, request, unseeded, eventID);
        verdicts.push(verdict instanceof Promise ? await verdict : verdict);
      }
      for (const group of listener.groups) {
        const running = runChain(group.interceptors, request, {}, deps);
        const chain = running instanceof Promise ? await running : running;
        for (const trigger of group.triggers) {
          if (!chain.continue) {
            verdicts.push({
              name: trigger.name,
              fired: false,
              stage: 'interceptor',
              reason: `group ${group.name}: ${chain.reason ?? 'stopped'}`,
              authenticated: chain.authenticated,
            });
          } else {
            const verdict = evaluateTrigger(deps, limits, trigger, listener, request, chain, eventID);
            verdicts.push(verdict instanceof Promise ? await verdict : verdict);
          }
        }
      }
      if (deps.logger) logVerdicts(deps.logger, listener.name, eventID, verdicts);
      return {
        listener: { name: listener.name, namespace: listener.namespace, uid: listener.uid },
        eventID,
        triggers: verdicts,
        authenticated: listener.allowUnauthenticated || verdicts.some((v) => v.authenticated),
      };
    },
  };
}
