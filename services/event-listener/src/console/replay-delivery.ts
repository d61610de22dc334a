import { randomUUID } from 'node:crypto';
import type { DeliveryRecord } from '../delivery-ledger.ts';
import { handleDelivery, type IntakeDeps, type IntakeResult } from '../intake.ts';

/**
 * Sends a stored delivery through the intake again under a new event id linked to it
 * (`replayOf`), trusted (the admin asked; signatures are never stored). `dryRun` evaluates the
 * current config only: nothing enqueued, nothing recorded. The caller checks the body was kept.
 */
export function replayDelivery(
  intake: IntakeDeps,
  record: DeliveryRecord & { body: string },
  options: { dryRun: boolean },
): Promise<IntakeResult> {
  return handleDelivery(
    intake,
    {
      listener: record.listener,
      url: `/hooks/${record.listener}`,
      headers: { ...record.headers, 'content-type': record.contentType },
      rawBody: Buffer.from(record.body, 'utf8'),
    },
    { replay: { of: record.eventID, eventID: randomUUID() }, dryRun: options.dryRun },
  );
}
