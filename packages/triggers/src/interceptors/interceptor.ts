import type { GitHubFiles, SecretStore } from '../types.ts';

/** What one interceptor sees: the request and the extensions accumulated so far. */
export interface InterceptorRequest {
  readonly rawBody: Buffer;
  readonly body: Record<string, unknown>;
  readonly header: Readonly<Record<string, string[]>>;
  readonly extensions: Readonly<Record<string, unknown>>;
  readonly requestURL: string;
  /**
   * A replay of a delivery that was authenticated when it arrived (asked for with the admin
   * token): secrets are not checked again, since signature headers are never stored.
   */
  readonly trusted?: boolean;
  /** When the delivery must be answered (epoch ms): outside calls stop retrying then. */
  readonly deadline?: number;
  /**
   * `sha256=<hex>` HMACs of `rawBody` by secret, computed by the listener while the body streamed
   * in (it must know before buffering whether any secret signs it). Reused so no body is hashed
   * twice; the github interceptor still compares them with the header itself.
   */
  readonly hmacs?: ReadonlyMap<string, string>;
}

export interface InterceptorDeps {
  readonly secrets: SecretStore;
  readonly github?: GitHubFiles;
}

/** Tekton's InterceptorResponse: continue or stop (with why), plus extensions to merge. */
export interface InterceptorResult {
  readonly continue: boolean;
  readonly reason?: string;
  readonly extensions?: Record<string, unknown>;
  /** The interceptor verified the sender (a secret matched). */
  readonly authenticated?: boolean;
}

/**
 * How an authenticating interceptor verifies its sender: GitHub's HMAC over the raw body, or
 * Harbor's verbatim `Authorization` header. The listener reads these to refuse, before buffering a
 * body, a request no configured secret can authenticate.
 */
export interface Credential {
  readonly scheme: 'github-hmac' | 'harbor-authorization';
  readonly secretRef: { readonly secretName: string; readonly secretKey: string };
}

/** A configured interceptor, built and checked at load. */
export interface Interceptor {
  /** `github`, `harbor`, `cel` (plus the optional name given in the config). */
  readonly label: string;
  /** True when it verifies the sender with a secret: a listener needs one unless it opts out. */
  readonly authenticates: boolean;
  /** The sender whose payloads it reads (github, harbor); undefined for cel. */
  readonly sender?: 'github' | 'harbor';
  /** Set exactly when `authenticates`. */
  readonly credential?: Credential;
  /** The CEL filter's source (cel only), so a stopped delivery's filter can be explained. */
  readonly filter?: string;
  run(request: InterceptorRequest, deps: InterceptorDeps): InterceptorResult | Promise<InterceptorResult>;
}
