/** Every kind of notification the services emit or a template may render. */
export const notificationKinds = [
  'delivery.rejected',
  'run.queued',
  'run.started',
  'run.succeeded',
  'run.failed',
  'run.cancelled',
  'run.failed_to_create',
  'image.pushed',
  'scan.completed',
  'scan.failed',
  'manifest.pr_opened',
  'manifest.pr_updated',
  'manifest.update_failed',
  /** An image the scan gate stopped (a finding at or above blockAt, a failed scan, no scan in time). */
  'manifest.gated',
  /** Local mode: the update branch is in the local manifests repository (no pull request). */
  'manifest.branch_ready',
] as const;

export type NotificationKind = (typeof notificationKinds)[number];
