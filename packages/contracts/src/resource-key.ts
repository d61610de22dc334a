/**
 * The identity of one rendered resource of one delivery: `eventId/trigger/index`. The listener
 * keys the notifications it plans with it and the run-scheduler keys `run.queued` /
 * `run.failed_to_create`, so both name the same resource the same way (the notifier dedups
 * threads' lines by it).
 */
export function resourceKey(identity: { eventId: string; trigger: string; index: number }): string {
  return `${identity.eventId}/${identity.trigger}/${identity.index}`;
}
