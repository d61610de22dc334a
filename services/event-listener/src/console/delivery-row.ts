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

/** What a delivery was about: `repo@sha7`, Harbor's `image:tag`, a repository alone, or nothing known. */
export function subjectOf(record: Omit<DeliveryRecord, 'body'>): string {
  if (record.repo && record.sha) return `${record.repo}@${record.sha.slice(0, 7)}`;
  if (record.image) return record.tag ? `${record.image}:${record.tag}` : record.image;
  return record.repo ?? '—';
}

/** A delivery's page: refusals live apart from the ledger's records, so they have their own. */
export function pathOf(record: Omit<DeliveryRecord, 'body'>): string {
  return `/console/${record.error !== undefined ? 'refusals' : 'deliveries'}/${record.eventID}`;
}

/** The "triggers fired" cell: their names, none, the refusal's error, or the delivery a copy repeats. */
function firedCell(record: Omit<DeliveryRecord, 'body'>): Html {
  if (record.error !== undefined) return html`<span class="bad">rejected: ${record.error}</span>`;
  if (record.duplicateOf !== undefined)
    return html`<span class="muted">duplicate of <a class="mono" href="/console/deliveries/${record.duplicateOf}">${record.duplicateOf.slice(0, 8)}</a></span>`;
  const fired = record.verdicts.filter((v) => v.fired).map((v) => v.name);
  return fired.length > 0
    ? html`<span class="fired">${fired.join(', ')}</span>`
    : html`<span class="not-fired">none fired</span>`;
}

/**
 * One row of the deliveries list: event, what it was about, the triggers that fired (or why it
 * was refused, or which delivery it repeats), the status it was answered with and its age. Also
 * sent as is over the live feed, so the row is built in one place.
 */
export function deliveryRow(record: Omit<DeliveryRecord, 'body'>, now: Date): Html {
  return html`<tr id="d-${record.eventID}"><td><a href="${pathOf(record)}">${eventOf(record)}</a>${
    record.replayOf ? html` <span class="muted">(replay)</span>` : ''
  }</td><td class="mono">${subjectOf(record)}</td><td>${record.listener}</td><td>${firedCell(record)}</td><td${
    (record.status ?? 202) >= 400 ? html` class="bad"` : ''
  }>${record.status ?? 202}</td><td><time datetime="${record.receivedAt}" title="${record.receivedAt}">${age(record.receivedAt, now)}</time></td></tr>`;
}
