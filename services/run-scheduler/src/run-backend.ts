/** A Kubernetes object as the scheduler handles it. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: Record<string, unknown> & { name: string; namespace: string };
  [key: string]: unknown;
}

/** A list's objects and the resourceVersion a watch resumes from. */
export interface KubeList {
  readonly items: KubeObject[];
  readonly resourceVersion: string | undefined;
}

/** What to follow: objects of one resource matching a label selector, from a resourceVersion. */
export interface WatchRequest {
  readonly apiVersion: string;
  /** The resource's plural name (`pipelineruns`): a watch's path is built from it, not the kind. */
  readonly resource: string;
  /** `undefined` follows every namespace (needs cluster-wide list/watch). */
  readonly namespace: string | undefined;
  readonly labelSelector: string;
  readonly resourceVersion: string | undefined;
  /** When the apiserver ends the watch (s); the caller spreads it over its watches. */
  readonly timeoutSeconds: number;
  /** A watch that sends nothing for this long (ms) is ended with a `TimeoutError`. */
  readonly inactivityTimeoutMs: number;
}

/** One watch event as the API sends it; an `ERROR` event's object is a Status (`code`, `message`). */
export type WatchEventHandler = (
  type: string,
  object: KubeObject & { code?: number; message?: string },
) => void;

/** A watch in progress. */
export interface Watching {
  abort(): void;
  /** Settles when the watch ends: with the error that ended it, or a falsy value for a normal end. */
  readonly ended: Promise<unknown>;
}

/** Where runs are created: the Kubernetes API, or YAML files (dry-run). */
export interface RunBackend {
  /** Creates the object; `created: false` when its name already exists (a repeat: already done). */
  create(object: KubeObject): Promise<{ created: boolean }>;
  /**
   * Objects of a kind matching a label selector (concurrency groups, the status watcher's
   * relist); `namespace` undefined lists every namespace.
   */
  list(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    labelSelector: string,
  ): Promise<KubeList>;
  /** JSON merge patch (cancel a run, release a pending one). */
  mergePatch(
    object: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>,
    patch: Record<string, unknown>,
  ): Promise<void>;
  /**
   * Follows changes (the status watcher). Only a cluster offers it: with the dry-run backend
   * nothing runs, so there is nothing to follow.
   */
  watch?(request: WatchRequest, onEvent: WatchEventHandler): Promise<Watching>;
}

/** A backend that can follow runs: what the status watcher needs. */
export type WatchableRunBackend = RunBackend & Required<Pick<RunBackend, 'watch'>>;
