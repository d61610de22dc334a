import type { NotificationKind } from '@signalbox/contracts';

/**
 * Where each kind sits in a change's progression (push → run → image → scan → PR). A parent
 * message shows the highest-ranked step, the latest `occurredAt` among equals, so a late or
 * repeated earlier step never moves it backwards.
 */
const ranks: Readonly<Record<string, number>> = {
  'delivery.rejected': 0,
  'run.queued': 1,
  'run.started': 2,
  'run.succeeded': 3,
  'run.failed': 3,
  'run.cancelled': 3,
  'run.failed_to_create': 3,
  'image.pushed': 4,
  'scan.failed': 5,
  'scan.completed': 5,
  'manifest.gated': 6,
  'manifest.update_failed': 6,
  'manifest.branch_ready': 6,
  'manifest.pr_opened': 6,
  'manifest.pr_updated': 7,
};

/** The progression rank of a notification kind (higher is later). */
export function kindRank(kind: NotificationKind): number {
  // A kind added to the contract later sits with the manifest steps until it is placed here.
  return ranks[kind] ?? 6;
}
