import {
  createConfiguration,
  KubeConfig,
  type RequestContext,
  ServerConfiguration,
} from '@kubernetes/client-node';
import { createKubeTransport, type KubeTransport } from './kube/kube-transport.ts';
import { transportHttpLibrary } from './transport-http-library.ts';

type Dispatcher = NonNullable<ReturnType<RequestContext['getDispatcher']>>;
type ApiConstructor<T> = new (configuration: ReturnType<typeof createConfiguration>) => T;

/**
 * client-node's KubeConfig, for its API classes (`makeApiClient`, so
 * `KubernetesObjectApi.makeApiClient` too) and its Watch, with requests that share connections
 * and time out. The scheduler itself runs on `LeanKubeConfig`, which does not load client-node's
 * generated API; this one serves a cluster behind a proxy (`clientNodeBackend`) and callers of
 * client-node's classes (tests, benchmarks).
 *
 * API clients send through `transport` (`createKubeTransport`: one keep-alive agent per
 * `refreshMs`, default 10 min, built from the TLS settings read when the window starts; the token
 * per request; a `TimeoutError` after `requestTimeoutMs`, default 10 000, for a request without a
 * signal of its own) instead of client-node 2.0's fetch, which reads the CA, certificate and key
 * files and builds a new undici Agent (a new connection, over TLS a full handshake) for every
 * request whenever the cluster has any TLS setting. A cluster behind a proxy keeps client-node's
 * own transport.
 *
 * Watches go through client-node's `fetch` and `applySecurityAuthentication`: there the first
 * undici agent is reused for the context until `refreshMs` has passed, then replaced and the old
 * one closed once its requests (a long watch included) are done. Watches get no request timeout
 * (client-node gives them their own signal).
 */
export class PooledKubeConfig extends KubeConfig {
  /** Requests to the current cluster: the API clients' transport, and `kubeBackend`'s. */
  readonly transport: KubeTransport;
  #shared: { key: string; dispatcher: Dispatcher; until: number } | undefined;

  constructor(options: { refreshMs?: number; requestTimeoutMs?: number } = {}) {
    super();
    this.transport = createKubeTransport(this, options);
  }

  override makeApiClient<T>(apiClientType: ApiConstructor<T>): T {
    const cluster = this.getCurrentCluster();
    if (!cluster) throw new Error('No active cluster!');
    if (cluster.proxyUrl) return super.makeApiClient(apiClientType as never) as T;
    return new apiClientType(
      createConfiguration({
        baseServer: new ServerConfiguration(cluster.server, {}),
        // The transport authenticates every request.
        authMethods: {},
        httpApi: transportHttpLibrary(this.transport),
      }),
    );
  }

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    if (!context.getSignal()) context.setSignal(AbortSignal.timeout(this.transport.requestTimeoutMs));
    const fresh = context.getDispatcher();
    // No TLS settings: undici's global dispatcher, which already pools.
    if (!fresh) return;
    const key = `${this.getCurrentContext()}\u0000${this.getCurrentCluster()?.server}`;
    const now = Date.now();
    const shared = this.#shared;
    if (shared && shared.key === key && now < shared.until) {
      context.setDispatcher(shared.dispatcher);
      // The per-request agent never opened a connection; nothing to close.
      return;
    }
    this.#shared = { key, dispatcher: fresh, until: now + this.transport.refreshMs };
    shared?.dispatcher.close().catch(() => {});
  }
}
