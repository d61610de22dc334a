import type { Octokit } from '@octokit/rest';
import type { Logger } from 'pino';

export interface RecoveryReport {
  /** Deliveries (by GUID) GitHub made since `since`. */
  readonly checked: number;
  /** GUIDs GitHub was asked to redeliver. */
  readonly redelivered: string[];
  /** GUIDs that failed at GitHub but are in the ledger (accepted; GitHub saw e.g. a timeout). */
  readonly alreadyAccepted: string[];
}

/**
 * GitHub never retries a failed delivery by itself. This lists a hook's recent deliveries
 * (newest first, paged), and for every delivery GUID with no successful attempt that the ledger
 * does not know, asks GitHub to redeliver its latest attempt. Redeliveries keep the GUID, so the
 * listener's dedup makes running this twice harmless.
 */
export async function recoverMissedDeliveries(args: {
  octokit: Octokit;
  /** Whether the listener accepted this delivery GUID (the ledger, directly or via the admin API). */
  accepted(guid: string): Promise<boolean>;
  owner: string;
  repo: string;
  hookId: number;
  since: Date;
  logger?: Logger;
}): Promise<RecoveryReport> {
  const attempts = new Map<string, { id: number; ok: boolean; at: number }[]>();
  const iterator = args.octokit.paginate.iterator(args.octokit.rest.repos.listWebhookDeliveries, {
    owner: args.owner,
    repo: args.repo,
    hook_id: args.hookId,
    per_page: 100,
  });
  outer: for await (const page of iterator) {
    for (const d of page.data) {
      const at = Date.parse(d.delivered_at);
      if (at < args.since.getTime()) break outer;
      const list = attempts.get(d.guid) ?? [];
      list.push({ id: d.id, ok: d.status_code >= 200 && d.status_code < 300, at });
      attempts.set(d.guid, list);
    }
  }
  const redelivered: string[] = [];
  const alreadyAccepted: string[] = [];
  for (const [guid, list] of attempts) {
    if (list.some((a) => a.ok)) continue;
    if (await args.accepted(guid)) {
      alreadyAccepted.push(guid);
      continue;
    }
    const latest = list.reduce((a, b) => (b.at > a.at ? b : a));
    await args.octokit.rest.repos.redeliverWebhookDelivery({
      owner: args.owner,
      repo: args.repo,
      hook_id: args.hookId,
      delivery_id: latest.id,
    });
    args.logger?.info({ guid, deliveryId: latest.id }, 'asked GitHub to redeliver a missed delivery');
    redelivered.push(guid);
  }
  return { checked: attempts.size, redelivered, alreadyAccepted };
}
