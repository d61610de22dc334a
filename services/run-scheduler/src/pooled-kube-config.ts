import { KubeConfig, type RequestContext } from '@kubernetes/client-node';

type Dispatcher = NonNullable<ReturnType<RequestContext['getDispatcher']>>;

/**
 * A KubeConfig whose requests share connections and time out. client-node 2.0 builds a new
 * undici Agent for every request whenever the cluster has any TLS setting (a CA, a client
 * certificate, or skip-verify — i.e. every real cluster), so each API call opens a new
 * connection and, over TLS, pays a full handshake; the agents are never closed. Here the first
 * agent is reused for the context until `refreshMs` has passed (default 10 min), then replaced —
 * so rotated certificate or CA files are picked up — and the old one closed once its requests (a
 * long watch included) are done. Tokens are headers, added per request as before.
 *
 * client-node has no request timeout either: every API request without a signal of its own gets
 * one that aborts it after `requestTimeoutMs` (default 10 000), freeing its connection; the
 * error is a `TimeoutError`. Watches are not affected (client-node gives them their own signal).
 */
export class PooledKubeConfig extends KubeConfig {
  readonly #refreshMs: number;
  readonly #requestTimeoutMs: number;
  #shared: { key: string; dispatcher: Dispatcher; until: number } | undefined;

  constructor(options: { refreshMs?: number; requestTimeoutMs?: number } = {}) {
    super();
    this.#refreshMs = options.refreshMs ?? 10 * 60_000;
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
  }

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    if (!context.getSignal()) context.setSignal(AbortSignal.timeout(this.#requestTimeoutMs));
    const fresh = context.getDispatcher();
    // No TLS settings: undici's global dispatcher, which already pools.
    if (!fresh) return;
    const key = JSON.stringify([this.getCurrentContext(), this.getCurrentCluster()?.server]);
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
