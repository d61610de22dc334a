import type { DeliveryRecord } from '../delivery-ledger.ts';
import { eventOf } from './delivery-filter.ts';
import { type Html, html } from './html.ts';

/** "3 min ago" — coarse on purpose: the exact time is in the row's `title` and on its page. */
function age(receivedAt: string, now: Date): string {
  const seconds = Math.max(0, Math.round((now.getTime() - Date.parse(receivedAt)) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86_400)} d ago`;
}

/** What a delivery was about: `repo@sha7`, a repository alone, or nothing known. */
export function subjectOf(record: Omit<DeliveryRecord, 'body'>): string {
  if (record.repo && record.sha) return `${record.repo}@${record.sha.slice(0, 7)}`;
  return record.repo ?? '—';
}

/**
 * One row of the deliveries list: event, what it was about, the triggers that fired, the status
 * it was answered with (the ledger holds accepted deliveries only, so 202) and its age. Also sent
 * as is over the live feed, so the row is built in one place.
 */
export function deliveryRow(record: Omit<DeliveryRecord, 'body'>, now: Date): Html {
  const fired = record.verdicts.filter((v) => v.fired).map((v) => v.name);
  return html`<tr id="d-${record.eventID}"><td><a href="/console/deliveries/${record.eventID}">${eventOf(record)}</a>${
    record.replayOf ? html` <span class="muted">(replay)</span>` : ''
  }</td><td class="mono">${subjectOf(record)}</td><td>${record.listener}</td><td>${
    fired.length > 0
      ? html`<span class="fired">${fired.join(', ')}</span>`
      : html`<span class="not-fired">none fired</span>`
  }</td><td>202</td><td><time datetime="${record.receivedAt}" title="${record.receivedAt}">${age(record.receivedAt, now)}</time></td></tr>`;
}
