/**
 * A resource the fake serves, as discovery describes it. `custom` resources behave like CRDs
 * (apiextensions-apiserver): items in lists carry apiVersion/kind, strategic merge patch is 415,
 * a PUT must carry `metadata.resourceVersion`, and `generation` counts spec changes.
 */
export interface ResourceType {
  /** API group; `''` for the core group (`/api/v1`). */
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly kind: string;
  readonly namespaced: boolean;
  readonly custom: boolean;
  /** `subresources.status` on the CRD: `.status` is only written through `/status`. */
  readonly statusSubresource: boolean;
  readonly shortNames: readonly string[];
  readonly categories: readonly string[];
}

/** A custom resource definition to serve besides the defaults (`namespaced` defaults to true). */
export interface FakeResource {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly kind: string;
  readonly namespaced?: boolean;
  /** Whether the CRD has a status subresource (default true, as Tekton's do). */
  readonly statusSubresource?: boolean;
}

const tekton = (plural: string, kind: string, shortNames: string[]): ResourceType => ({
  group: 'tekton.dev',
  version: 'v1',
  plural,
  kind,
  namespaced: true,
  custom: true,
  statusSubresource: true,
  shortNames,
  categories: ['tekton', 'tekton-pipelines'],
});

/** Core namespaces and configmaps plus Tekton's v1 PipelineRun and TaskRun. */
export const defaultResourceTypes: readonly ResourceType[] = [
  {
    group: '',
    version: 'v1',
    plural: 'namespaces',
    kind: 'Namespace',
    namespaced: false,
    custom: false,
    statusSubresource: true,
    shortNames: ['ns'],
    categories: [],
  },
  {
    group: '',
    version: 'v1',
    plural: 'configmaps',
    kind: 'ConfigMap',
    namespaced: true,
    custom: false,
    statusSubresource: false,
    shortNames: ['cm'],
    categories: [],
  },
  tekton('pipelineruns', 'PipelineRun', ['pr', 'prs']),
  tekton('taskruns', 'TaskRun', ['tr', 'trs']),
];
