import { type EventTrailEntry, eventTrailEntrySchema } from '@signalbox/contracts';
import type { Redis } from 'ioredis';
import type { DeliveryLedger } from '../delivery-ledger.ts';

/**
 * What the notifier recorded of an event's fate, oldest first: each PipelineRun's latest state,
 * its pull requests and the Slack threads it was posted in. An entry that does not parse is left
 * out (the trail is another service's writing).
 */
export async function readTrail(
  redis: Redis,
  ledger: Pick<DeliveryLedger, 'trailKey'>,
  eventID: string,
): Promise<EventTrailEntry[]> {
  const fields = await redis.hgetall(ledger.trailKey(eventID));
  const entries: EventTrailEntry[] = [];
  for (const text of Object.values(fields)) {
    try {
      const parsed = eventTrailEntrySchema.safeParse(JSON.parse(text));
      if (parsed.success) entries.push(parsed.data);
    } catch {
      // Not JSON: not ours to show.
    }
  }
  return entries.sort((a, b) => a.occurredAt.localeCompare(b.occurredAt));
}
