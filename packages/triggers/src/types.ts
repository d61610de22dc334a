import type { Concurrency } from '@signalbox/contracts';

/**
 * Public shapes of the trigger engine. The engine is pure: given a request and a loaded config it
 * decides which triggers fire and renders what they create. No Redis, no network except the
 * optional GitHub changed-files call behind `GitHubFiles`.
 */

/** A request as the listener received it. `url` is path + query (CEL's `requestURL`). */
export interface IncomingRequest {
  readonly method: string;
  readonly url: string;
  /** Node's `IncomingHttpHeaders` shape: lower-case names. */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly rawBody: Buffer;
  /** HMACs of `rawBody` by secret, when the caller computed them as the body streamed in. */
  readonly hmacs?: ReadonlyMap<string, string>;
}

/** Reads `$SIGNALBOX_SECRETS_DIR/<secretName>/<secretKey>`; `undefined` when absent. */
export interface SecretStore {
  read(secretName: string, secretKey: string): string | undefined;
}

/** Lists a pull request's changed files (github interceptor `addChangedFiles`). */
export interface GitHubFiles {
  listPullRequestFiles(args: {
    owner: string;
    repo: string;
    number: number;
    token: string | undefined;
    /** From X-GitHub-Enterprise-Host when present. */
    enterpriseHost?: string;
    /** When the delivery must be answered (epoch ms): retries stop then, and the call fails transiently. */
    deadline?: number;
  }): Promise<string[]>;
}

/** One object a fired trigger rendered, with where it goes. */
export interface RenderedResource {
  /** The object after `$(tt.params.X)` / `$(uid)` substitution and Tekton's labels. */
  readonly object: Record<string, unknown>;
  /** Namespace from the object, else the trigger's (the listener's for inline triggers). */
  readonly namespace: string;
  /** Which service owns it: signalbox.dev ImageUpdate → image-update, Notification → notification, else run. */
  readonly route: 'run' | 'image-update' | 'notification';
  /** From the TriggerTemplate's signalbox.dev/concurrency-* annotations, params substituted. */
  readonly concurrency?: Concurrency;
}

/** Why a trigger did or did not fire: what the listener returns and stores. */
export interface TriggerVerdict {
  readonly name: string;
  readonly fired: boolean;
  /** Set when not fired: which stage refused, and its message (e.g. "interceptor github: …"). */
  readonly reason?: string;
  readonly stage?: 'interceptor' | 'binding' | 'template';
  /** True when an authenticating interceptor (github secretRef, harbor secretRef) accepted the sender. */
  readonly authenticated: boolean;
  /** Extensions after the interceptor chain (for inspection). */
  readonly extensions?: Record<string, unknown>;
  /** Resolved binding params. */
  readonly params?: Record<string, string>;
  /** What was changed to make the resources acceptable (a param value cut to its limit). */
  readonly warnings?: readonly string[];
  readonly resources?: readonly RenderedResource[];
}

export interface ListenerIdentity {
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
}

export interface Evaluation {
  readonly listener: ListenerIdentity;
  readonly eventID: string;
  readonly triggers: readonly TriggerVerdict[];
  /** Some trigger's authenticating interceptor accepted the request, or the listener allows unauthenticated senders. */
  readonly authenticated: boolean;
}

/** A config problem located by file, document (index and name) and field path. */
export interface ConfigIssue {
  readonly file: string;
  readonly documentIndex: number;
  readonly documentName?: string;
  /** e.g. `spec.triggers[0].interceptors[1].params.filter` */
  readonly field: string;
  readonly message: string;
  /** 1-based line of the field (or of the closest enclosing node that exists) in `file`. */
  readonly line?: number;
}
