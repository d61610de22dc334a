import { STATUS_CODES } from 'node:http';
import { KubeApiError } from './kube-api-error.ts';
import type { ResourceType } from './resource-type.ts';

/**
 * A fault for requests matching `method` and `pathPattern` (which matches when it matches the path
 * alone or the path with its query string, so `/\/pipelineruns$/` and `/watch=true/` both work).
 * It fires `times` times, or with `probability` per request, or always. Latency alone delays the
 * request and lets it proceed (a client timeout shorter than the latency sees a timeout while the
 * server still does the work, as with a real slow apiserver); `status` answers with a `Status` body
 * of the realistic reason and message for that code (or `message`/`reason`), `plainText` the way the
 * apiserver's overload protection does (`text/plain`, `Retry-After`), `body` with exactly that body
 * (a string as text, anything else as JSON); `dropConnection` destroys the socket.
 */
export interface FaultRule {
  readonly method?: string;
  readonly pathPattern?: RegExp;
  readonly status?: number;
  readonly reason?: string;
  readonly message?: string;
  readonly body?: unknown;
  readonly plainText?: boolean;
  /** Seconds, sent as `Retry-After` (and `details.retryAfterSeconds` in a Status). */
  readonly retryAfter?: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly latencyMs?: number;
  readonly dropConnection?: boolean;
  readonly times?: number;
  readonly probability?: number;
}

/** Returned by `inject`: how often the rule fired, and a way to withdraw it. */
export interface FaultHandle {
  readonly hits: number;
  remove(): void;
}

/** Where a request was going, for default error messages. */
export interface FaultContext {
  readonly type: ResourceType | undefined;
  readonly verb: string;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
}

/** What to do with a request: wait, then maybe answer or drop instead of serving it. */
export interface FaultDecision {
  readonly latencyMs: number;
  readonly outcome:
    | { readonly kind: 'drop' }
    | {
        readonly kind: 'respond';
        readonly status: number;
        readonly headers: Record<string, string>;
        readonly body: string;
      }
    | undefined;
}

const overloadText = 'Too many requests, please try again later.\n';

function statusFor(code: number, rule: FaultRule, ctx: FaultContext): KubeApiError {
  const t = ctx.type;
  const retry = rule.retryAfter !== undefined ? { retryAfterSeconds: rule.retryAfter } : {};
  const make = (reason: string, message: string, details?: object) =>
    new KubeApiError(code, rule.reason ?? reason, rule.message ?? message, { ...details, ...retry });
  switch (code) {
    case 401:
      return make('Unauthorized', 'Unauthorized');
    case 403:
      if (t && !rule.message) {
        const e = KubeApiError.forbidden(
          t,
          ctx.verb,
          'system:serviceaccount:default:signalbox',
          ctx.namespace,
          ctx.name,
        );
        return make('Forbidden', e.message, e.status.details);
      }
      return make('Forbidden', 'forbidden');
    case 404:
      if (t && ctx.name)
        return make('NotFound', KubeApiError.notFound(t, ctx.name).message, {
          name: ctx.name,
          group: t.group,
          kind: t.plural,
        });
      if (ctx.namespace && ctx.verb === 'create')
        return make('NotFound', `namespaces "${ctx.namespace}" not found`, {
          name: ctx.namespace,
          kind: 'namespaces',
        });
      return make('NotFound', 'the server could not find the requested resource');
    case 409:
      return make(
        'Conflict',
        'Operation cannot be fulfilled: the object has been modified; please apply your changes to the latest version and try again',
      );
    case 410:
      return make('Expired', 'too old resource version');
    case 422:
      return make('Invalid', 'the server rejected our request due to an error in our request');
    case 429:
      return make('TooManyRequests', 'Too many requests, please try again later.');
    case 500:
      return make('InternalError', 'Internal error occurred: injected fault');
    case 502:
    case 503:
      return make('ServiceUnavailable', 'the server is currently unable to handle the request');
    case 504:
      return make(
        'Timeout',
        'the server was unable to return a response in the time allotted, but may still be processing the request',
      );
    default:
      return make(
        code >= 500 ? 'InternalError' : 'BadRequest',
        code >= 500
          ? 'Internal error occurred: injected fault'
          : 'the server rejected our request for an unknown reason',
      );
  }
}

/** Fault rules and their evaluation, first firing rule with an answer wins. */
export class FaultInjector {
  #rules: { rule: FaultRule; hits: number }[] = [];
  readonly #random: () => number;

  constructor(random: () => number = Math.random) {
    this.#random = random;
  }

  inject(rule: FaultRule): FaultHandle {
    const entry = { rule, hits: 0 };
    this.#rules.push(entry);
    return {
      get hits() {
        return entry.hits;
      },
      remove: () => {
        this.#rules = this.#rules.filter((r) => r !== entry);
      },
    };
  }

  clear(): void {
    this.#rules = [];
  }

  decide(method: string, path: string, query: string, ctx: FaultContext): FaultDecision {
    let latencyMs = 0;
    for (const entry of this.#rules) {
      const { rule } = entry;
      if (rule.method && rule.method.toUpperCase() !== method) continue;
      if (rule.pathPattern && !rule.pathPattern.test(path) && !rule.pathPattern.test(`${path}${query}`))
        continue;
      if (rule.times !== undefined && entry.hits >= rule.times) continue;
      if (rule.probability !== undefined && this.#random() >= rule.probability) continue;
      entry.hits++;
      latencyMs += rule.latencyMs ?? 0;
      if (rule.dropConnection) return { latencyMs, outcome: { kind: 'drop' } };
      const status =
        rule.status ?? (rule.body !== undefined || rule.plainText ? (rule.plainText ? 429 : 500) : undefined);
      if (status === undefined) continue;
      const headers: Record<string, string> = {};
      if (rule.retryAfter !== undefined) headers['retry-after'] = String(rule.retryAfter);
      let body: string;
      if (rule.body !== undefined) {
        const text = typeof rule.body === 'string';
        headers['content-type'] = text ? 'text/plain; charset=utf-8' : 'application/json';
        body = text ? (rule.body as string) : JSON.stringify(rule.body);
      } else if (rule.plainText) {
        headers['content-type'] = 'text/plain; charset=utf-8';
        headers['x-content-type-options'] = 'nosniff';
        body = rule.message ?? (status === 429 ? overloadText : `${STATUS_CODES[status] ?? 'Error'}\n`);
      } else {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(statusFor(status, rule, ctx).status);
      }
      Object.assign(headers, rule.headers);
      return { latencyMs, outcome: { kind: 'respond', status, headers, body } };
    }
    return { latencyMs, outcome: undefined };
  }
}
