/** Harbor's Default `type` ↔ CloudEvents `type` (Harbor ≥ 2.8, src/pkg/notifier/formats/cloudevents.go). */
export const harborEventTypes: Readonly<Record<string, string>> = {
  PUSH_ARTIFACT: 'harbor.artifact.pushed',
  PULL_ARTIFACT: 'harbor.artifact.pulled',
  DELETE_ARTIFACT: 'harbor.artifact.deleted',
  SCANNING_COMPLETED: 'harbor.scan.completed',
  SCANNING_FAILED: 'harbor.scan.failed',
  SCANNING_STOPPED: 'harbor.scan.stopped',
  QUOTA_EXCEED: 'harbor.quota.exceeded',
  QUOTA_WARNING: 'harbor.quota.warned',
  REPLICATION: 'harbor.replication.status.changed',
  TAG_RETENTION: 'harbor.tag_retention.finished',
};

/** CloudEvents `type` → Default `type`, the inverse of `harborEventTypes`. */
export const harborTypeFromCloudEvent: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(harborEventTypes).map(([k, v]) => [v, k]),
);
