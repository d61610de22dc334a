import type { RequestOptions } from 'node:https';
import type { Cluster, User } from '@kubernetes/client-node';
import { Agent, type Dispatcher } from 'undici';

/**
 * What the transport asks of a kubeconfig. client-node's `KubeConfig` offers it, and so does
 * `LeanKubeConfig`, which loads without client-node's generated API.
 */
export interface KubeAccess {
  getCurrentContext(): string;
  getCurrentCluster(): Cluster | null;
  getCurrentUser(): User | null;
  /**
   * Puts the current cluster's and user's TLS settings on `opts`: CA, client certificate and
   * key (an exec plugin's too), skip-verify, server name.
   */
  applyToHTTPSOptions(opts: RequestOptions): Promise<void>;
}

/** An API answer, its body read whole. */
export interface KubeResponse {
  readonly status: number;
  /** Lower-case names; a repeated header's values joined with `, `. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

/** The error of an API request that took too long, as an `AbortSignal.timeout` signal gives it. */
export const timeoutError = () =>
  new DOMException('The operation was aborted due to timeout', 'TimeoutError');

/** What an answer is given to as it comes: a watch reads its events from it. */
export interface StreamSink {
  /** The answer's status and headers (lower-case names), once they are in. */
  start(statusCode: number, headers: Record<string, string | string[] | undefined>): void;
  /** Each part of the body. */
  data(chunk: Buffer): void;
  /**
   * Called once: null when the server finished the answer; else why it ended (the connection's
   * error, a refused request, or the signal's reason once it aborted).
   */
  end(err: unknown): void;
}

/** One API request: the full URL, and the headers of the request itself (Accept, Content-Type). */
export interface KubeRequest {
  readonly method: string;
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | undefined;
  /** Replaces the request timeout. */
  readonly signal?: AbortSignal | undefined;
}

/** Requests to the current cluster, authenticated, on shared keep-alive connections. */
export interface KubeTransport {
  /** How long a refresh window lasts (ms): TLS files are read again in the next one. */
  readonly refreshMs: number;
  /** An API request without a signal of its own is aborted after this long (ms). */
  readonly requestTimeoutMs: number;
  request(request: KubeRequest): Promise<KubeResponse>;
  /** A long-lived GET (a watch), given to `sink` as it comes: no request timeout, `signal` ends it. */
  stream(url: string, signal: AbortSignal, sink: StreamSink): void;
}

/** What one refresh window shares: the TLS settings read once, and the connections built on them. */
interface Pool {
  readonly key: string;
  readonly until: number;
  readonly agent: Agent;
  /** Headers that only change with the kubeconfig (basic auth, impersonation). */
  readonly headers: Readonly<Record<string, string>>;
  /** Requests and streams still open on `agent`. */
  active: number;
  /** Replaced by a newer window: its agent is destroyed once `active` is back to 0. */
  retired: boolean;
}

async function openPool(access: KubeAccess, key: string, refreshMs: number): Promise<Pool> {
  const cluster = access.getCurrentCluster();
  // Not silently around it: client-node's own transport (via its proxy agents) is for these.
  if (cluster?.proxyUrl) throw new Error(`the undici transport cannot reach ${cluster.server} via a proxy`);
  const options: RequestOptions = {};
  await access.applyToHTTPSOptions(options);
  const { ca, cert, key: tlsKey, passphrase, rejectUnauthorized, servername } = options;
  const tls = {
    ...(ca ? { ca } : {}),
    ...(cert ? { cert } : {}),
    ...(tlsKey ? { key: tlsKey } : {}),
    ...(passphrase ? { passphrase } : {}),
    ...(rejectUnauthorized !== undefined ? { rejectUnauthorized } : {}),
    ...(servername ? { servername } : {}),
  };
  // HTTP/1.1 keep-alive connections (undici's default), TLS as the kubeconfig says.
  const agent = new Agent({ connect: tls });
  const headers: Record<string, string> = {};
  const user = access.getCurrentUser();
  if (user?.username)
    headers.Authorization = `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`;
  if (user?.impersonateUser) headers['Impersonate-User'] = user.impersonateUser;
  return { key, until: Date.now() + refreshMs, agent, headers, active: 0, retired: false };
}

const release = (pool: Pool) => {
  if (--pool.active === 0 && pool.retired) void pool.agent.destroy();
};

/** Lower-case names; a repeated header's values joined with `, `. */
function joinHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw))
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  return headers;
}

/** What ends a request early: its caller's signal, or a timeout (ms). */
type RequestEnds = { readonly signal?: AbortSignal | undefined; readonly timeoutMs?: number };

/**
 * One request through undici's `dispatch`, its answer handed to `sink` as it comes: no Readable
 * stream, async iterator or close event per answer (undici's `request` makes all three). It ends
 * with `signal`'s reason once that aborts, or with a `TimeoutError` after `timeoutMs` (a plain
 * timer, cheaper than an `AbortSignal.timeout` per request).
 */
function dispatchTo(
  agent: Agent,
  options: Dispatcher.DispatchOptions,
  sink: StreamSink,
  ends: RequestEnds,
): void {
  const { signal, timeoutMs } = ends;
  if (signal?.aborted) {
    sink.end(signal.reason);
    return;
  }
  let controller: Dispatcher.DispatchController | undefined;
  let reason: unknown;
  const abort = (why: unknown) => {
    reason ??= why;
    controller?.abort(reason as Error);
  };
  const onAbort = () => abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  const timer = timeoutMs ? setTimeout(() => abort(timeoutError()), timeoutMs) : undefined;
  const finish = (err: unknown) => {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    sink.end(err);
  };
  agent.dispatch(options, {
    onRequestStart(c) {
      controller = c;
      if (reason !== undefined) c.abort(reason as Error);
    },
    onResponseStart: (_c, statusCode, headers) => sink.start(statusCode, headers),
    onResponseData: (_c, chunk) => sink.data(chunk),
    onResponseEnd: () => finish(null),
    onResponseError: (_c, err) => finish(reason ?? err),
  });
}

/** One API request, its answer collected into one Buffer. */
function dispatchRequest(
  agent: Agent,
  options: Dispatcher.DispatchOptions,
  ends: RequestEnds,
): Promise<KubeResponse> {
  return new Promise((resolve, reject) => {
    let status = 0;
    let headers: Record<string, string> = {};
    const chunks: Buffer[] = [];
    dispatchTo(
      agent,
      options,
      {
        start(statusCode, raw) {
          status = statusCode;
          headers = joinHeaders(raw);
        },
        data: (chunk) => chunks.push(chunk),
        end(err) {
          if (err) reject(err);
          else
            resolve({
              status,
              headers,
              body: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks),
            });
        },
      },
      ends,
    );
  });
}

/** A request's dispatch options on `pool`: its headers, the window's and the user's token. */
async function dispatchOptions(
  access: KubeAccess,
  pool: Pool,
  url: string,
  init: Omit<KubeRequest, 'url'>,
): Promise<Dispatcher.DispatchOptions> {
  const token: { headers: Record<string, string> } = { headers: {} };
  // TypeScript-private in client-node 2.0's KubeConfig, not in its JavaScript: the one call that
  // applies the user's token (static, file, exec or OIDC, each cached and refreshed by its
  // authenticator). LeanKubeConfig has the same method.
  await (
    access as unknown as { applyAuthorizationHeader(opts: typeof token): Promise<void> }
  ).applyAuthorizationHeader(token);
  const { origin, pathname, search } = new URL(url);
  return {
    origin,
    path: pathname + search,
    method: init.method as Dispatcher.HttpMethod,
    headers: { ...init.headers, ...pool.headers, ...token.headers },
    body: init.body ?? null,
  };
}

/**
 * Requests through one keep-alive undici `Agent` per refresh window (default 10 min), built from
 * the cluster's TLS settings read when the window starts — so rotated certificate or CA files are
 * picked up — instead of on every request, as client-node 2.0 does (a new connection, over TLS
 * a full handshake, per request). A replaced window's connections close once the requests and
 * watches still on them are done. The token is asked of the kubeconfig per request (its
 * authenticators cache and refresh it: static, file, exec, OIDC). undici rather than `node:http`:
 * less CPU per create (bench/RESULTS.md, round 4); a request's headers and body go out in one
 * corked write and its answer is collected into one Buffer (`dispatchRequest`). An API request
 * without a signal is aborted after `requestTimeoutMs` (default 10 000) with a `TimeoutError`,
 * freeing its connection (undici's own timers tick once a second, too coarse for short timeouts);
 * a watch has no timeout of undici's (its caller watches for silence).
 */
export function createKubeTransport(
  access: KubeAccess,
  options: { refreshMs?: number; requestTimeoutMs?: number } = {},
): KubeTransport {
  const refreshMs = options.refreshMs ?? 10 * 60_000;
  const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
  let ready: Pool | undefined;
  let renewing: Promise<Pool> | undefined;

  const currentPool = (): Pool | Promise<Pool> => {
    const key = `${access.getCurrentContext()}\u0000${access.getCurrentCluster()?.server}`;
    const pool = ready;
    if (pool && pool.key === key && Date.now() < pool.until) return pool;
    renewing ??= openPool(access, key, refreshMs)
      .then((next) => {
        ready = next;
        if (pool) {
          pool.retired = true;
          if (pool.active === 0) pool.agent.destroy();
        }
        return next;
      })
      .finally(() => {
        renewing = undefined;
      });
    return renewing;
  };

  /** The current window, and a request's dispatch options there. */
  const prepare = async (url: string, init: Omit<KubeRequest, 'url'>) => {
    const pool = await currentPool();
    return { pool, options: await dispatchOptions(access, pool, url, init) };
  };

  return {
    refreshMs,
    requestTimeoutMs,
    async request({ url, signal, ...init }) {
      const ends = signal ? { signal } : { timeoutMs: requestTimeoutMs };
      const { pool, options } = await prepare(url, init);
      // Counted on its window until answered, so a replaced window closes only after it.
      pool.active++;
      try {
        return await dispatchRequest(pool.agent, options, ends);
      } finally {
        release(pool);
      }
    },
    stream(url, signal, sink) {
      prepare(url, { method: 'GET' }).then(({ pool, options }) => {
        pool.active++;
        // No timeouts of undici's: the caller watches for silence, and ends it with `signal`.
        dispatchTo(
          pool.agent,
          { ...options, headersTimeout: 0, bodyTimeout: 0 },
          {
            start: (statusCode, headers) => sink.start(statusCode, headers),
            data: (chunk) => sink.data(chunk),
            end(err) {
              release(pool);
              sink.end(err);
            },
          },
          { signal },
        );
      }, sink.end);
    },
  };
}
