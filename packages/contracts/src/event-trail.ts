import { z } from 'zod';

/**
 * One entry of an event's trail — what happened after a delivery, as far as its notifications
 * tell: a PipelineRun's latest state, a pull request, the Slack thread the change was posted in.
 * The notifier writes it (one hash field per run, pull request or channel, latest state winning),
 * the deliveries console reads it.
 */
export const eventTrailEntrySchema = z.object({
  /** The notification kind that set it (`run.succeeded`, `manifest.pr_opened`, …) or `slack.thread`. */
  kind: z.string().min(1),
  /** When the step happened (ISO time). */
  occurredAt: z.string(),
  /** A run's object name and namespace, its pipeline and the reason of its state. */
  name: z.string().optional(),
  namespace: z.string().optional(),
  pipeline: z.string().optional(),
  reason: z.string().optional(),
  /** A pull request's address, or the Slack thread's permalink. */
  url: z.string().optional(),
  /** A pull request's number and the repository it is in. */
  number: z.number().optional(),
  repo: z.string().optional(),
  /** The Slack channel and the thread parent's ts. */
  channel: z.string().optional(),
  ts: z.string().optional(),
});

export type EventTrailEntry = z.infer<typeof eventTrailEntrySchema>;

/**
 * The delivery ledger's key prefix for an installation's queue prefix: the listener writes the
 * ledger under it, the notifier each event's trail.
 */
export function ledgerPrefix(queuePrefix: string): string {
  return `${queuePrefix}:ledger`;
}

/**
 * The Redis hash of one event's trail: under the ledger's prefix (`<queue prefix>:ledger`, the
 * listener's), hash-tagged by the event id alone, so trails spread over a Cluster's shards.
 */
export function eventTrailKey(ledgerPrefix: string, eventId: string): string {
  return `${ledgerPrefix}:trail:{${eventId}}`;
}
