import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent, type RequestOptions } from 'node:https';
import {
  createConfiguration,
  KubeConfig,
  type RequestContext,
  type SecurityAuthentication,
  ServerConfiguration,
} from '@kubernetes/client-node';
import { nodeHttpLibrary } from './node-http-library.ts';

type Dispatcher = NonNullable<ReturnType<RequestContext['getDispatcher']>>;
type ApiConstructor<T> = new (configuration: ReturnType<typeof createConfiguration>) => T;

/** What one refresh window shares: the TLS settings read once, and the connections built on them. */
interface Pool {
  readonly key: string;
  readonly until: number;
  readonly agent: HttpAgent | HttpsAgent;
  /** Headers that only change with the kubeconfig (basic auth, impersonation). */
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * A KubeConfig whose requests share connections and time out.
 *
 * API clients (`makeApiClient`, so `KubernetesObjectApi.makeApiClient` too) send through
 * `nodeHttpLibrary` on one keep-alive agent built from the cluster's TLS settings, which are
 * read once per `refreshMs` (default 10 min) — so rotated certificate or CA files are picked up
 * — instead of on every request: client-node 2.0 reads the CA, certificate and key files and
 * builds a new undici Agent (a new connection, over TLS a full handshake) for every request
 * whenever the cluster has any TLS setting. Tokens are still asked of client-node per request
 * (its authenticators cache and refresh them). A cluster behind a proxy keeps client-node's own
 * transport.
 *
 * Watches go through client-node's `fetch` and `applySecurityAuthentication`: there the first
 * undici agent is reused for the context until `refreshMs` has passed, then replaced and the old
 * one closed once its requests (a long watch included) are done.
 *
 * client-node has no request timeout either: every API request without a signal of its own gets
 * one that aborts it after `requestTimeoutMs` (default 10 000), freeing its connection; the
 * error is a `TimeoutError`. Watches are not affected (client-node gives them their own signal).
 */
export class PooledKubeConfig extends KubeConfig {
  readonly #refreshMs: number;
  readonly #requestTimeoutMs: number;
  #shared: { key: string; dispatcher: Dispatcher; until: number } | undefined;
  #ready: Pool | undefined;
  #renewing: Promise<Pool> | undefined;

  constructor(options: { refreshMs?: number; requestTimeoutMs?: number } = {}) {
    super();
    this.#refreshMs = options.refreshMs ?? 10 * 60_000;
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
  }

  override makeApiClient<T>(apiClientType: ApiConstructor<T>): T {
    const cluster = this.getCurrentCluster();
    if (!cluster) throw new Error('No active cluster!');
    if (cluster.proxyUrl) return super.makeApiClient(apiClientType as never) as T;
    const auth: SecurityAuthentication = {
      getName: () => 'pooled kubeconfig authentication',
      applySecurityAuthentication: (context) => this.#authenticate(context),
    };
    return new apiClientType(
      createConfiguration({
        baseServer: new ServerConfiguration(cluster.server, {}),
        authMethods: { default: auth },
        httpApi: nodeHttpLibrary(async () => (await this.#currentPool()).agent),
      }),
    );
  }

  /** The connections of this refresh window (TLS files read when a window starts). */
  #currentPool(): Pool | Promise<Pool> {
    const key = this.#key();
    const pool = this.#ready;
    if (pool && pool.key === key && Date.now() < pool.until) return pool;
    this.#renewing ??= this.#newPool(key)
      .then((next) => {
        this.#ready = next;
        // Requests still on the old agent end within the request timeout.
        if (pool) setTimeout(() => pool.agent.destroy(), this.#requestTimeoutMs).unref();
        return next;
      })
      .finally(() => {
        this.#renewing = undefined;
      });
    return this.#renewing;
  }

  async #newPool(key: string): Promise<Pool> {
    const options: RequestOptions = {};
    await this.applyToHTTPSOptions(options);
    const { ca, cert, key: tlsKey, passphrase, rejectUnauthorized, servername } = options;
    const tls = {
      ...(ca ? { ca } : {}),
      ...(cert ? { cert } : {}),
      ...(tlsKey ? { key: tlsKey } : {}),
      ...(passphrase ? { passphrase } : {}),
      ...(rejectUnauthorized !== undefined ? { rejectUnauthorized } : {}),
      ...(servername ? { servername } : {}),
    };
    const https = this.getCurrentCluster()?.server.startsWith('https:') ?? false;
    const agent = https ? new HttpsAgent({ keepAlive: true, ...tls }) : new HttpAgent({ keepAlive: true });
    const headers: Record<string, string> = {};
    const user = this.getCurrentUser();
    if (user?.username)
      headers.Authorization = `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`;
    if (user?.impersonateUser) headers['Impersonate-User'] = user.impersonateUser;
    return { key, until: Date.now() + this.#refreshMs, agent, headers };
  }

  /** Per request: the timeout, the window's static headers and the current token. */
  async #authenticate(context: RequestContext): Promise<void> {
    if (!context.getSignal()) context.setSignal(AbortSignal.timeout(this.#requestTimeoutMs));
    const pool = await this.#currentPool();
    for (const [name, value] of Object.entries(pool.headers)) context.setHeaderParam(name, value);
    const token: { headers: Record<string, string> } = { headers: {} };
    // TypeScript-private in client-node 2.0, not in its JavaScript: the one call that applies the
    // user's token (static, file, exec or OIDC, each cached and refreshed by its authenticator).
    await (
      this as unknown as { applyAuthorizationHeader(opts: typeof token): Promise<void> }
    ).applyAuthorizationHeader(token);
    for (const [name, value] of Object.entries(token.headers)) context.setHeaderParam(name, value);
  }

  #key(): string {
    return `${this.getCurrentContext()}\u0000${this.getCurrentCluster()?.server}`;
  }

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    if (!context.getSignal()) context.setSignal(AbortSignal.timeout(this.#requestTimeoutMs));
    const fresh = context.getDispatcher();
    // No TLS settings: undici's global dispatcher, which already pools.
    if (!fresh) return;
    const key = this.#key();
    const now = Date.now();
    const shared = this.#shared;
    if (shared && shared.key === key && now < shared.until) {
      context.setDispatcher(shared.dispatcher);
      // The per-request agent never opened a connection; nothing to close.
      return;
    }
    this.#shared = { key, dispatcher: fresh, until: now + this.#refreshMs };
    shared?.dispatcher.close().catch(() => {});
  }
}
