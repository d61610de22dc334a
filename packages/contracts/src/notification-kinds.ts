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
] as const;

export type NotificationKind = (typeof notificationKinds)[number];
