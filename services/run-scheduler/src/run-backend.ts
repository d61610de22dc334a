/** A Kubernetes object as the scheduler handles it. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: Record<string, unknown> & { name: string; namespace: string };
  [key: string]: unknown;
}

/** Where runs are created: the Kubernetes API, or YAML files (dry-run). */
export interface RunBackend {
  readonly kind: 'kubernetes' | 'dry-run';
  /** Creates the object; `created: false` when its name already exists (a repeat: already done). */
  create(object: KubeObject): Promise<{ created: boolean }>;
  /** Objects of a kind in a namespace matching a label selector (concurrency groups). */
  list(apiVersion: string, kind: string, namespace: string, labelSelector: string): Promise<KubeObject[]>;
  /** JSON merge patch (cancel a run, release a pending one). */
  mergePatch(
    object: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>,
    patch: Record<string, unknown>,
  ): Promise<void>;
}
