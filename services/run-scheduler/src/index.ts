export {
  buildRunSchedulerParts,
  type RunSchedulerParts,
  type RunSchedulerPartsDeps,
} from './build-run-scheduler-parts.ts';
export { type Classified, classifyKubeError } from './classify-error.ts';
export { ConcurrencyGroups, type ConcurrencyGroupsDeps, groupKey } from './concurrency-groups.ts';
export { type CreateRunResult, createRun, prepareObject } from './create-run.ts';
export { dryRunBackend } from './dry-run-backend.ts';
export { findKubeConfig } from './find-kube-config.ts';
export { kubeBackend } from './kube-backend.ts';
export { loadKubeConfig } from './load-kube-config.ts';
export { createNamespaceRegistry, type NamespaceRegistry } from './namespace-registry.ts';
export { PooledKubeConfig } from './pooled-kube-config.ts';
export type { KubeList, KubeObject, RunBackend, WatchableRunBackend } from './run-backend.ts';
export { type RunState, type RunStatus, runStatus } from './run-state.ts';
export { RunStatusWatcher, type RunStatusWatcherDeps } from './run-status-watcher.ts';
export { sanitizeMetadata, toLabelValue } from './sanitize-metadata.ts';
export { createSchedulerMetrics, type SchedulerMetrics } from './scheduler-metrics.ts';
export { buildRunScheduler, type RunSchedulerDeps } from './worker.ts';
