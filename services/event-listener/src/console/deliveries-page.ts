import type { DeliveryFilter, Outcome } from './delivery-filter.ts';
import { deliveryRow } from './delivery-row.ts';
import { type Html, html } from './html.ts';
import type { DeliveryPage } from './list-deliveries.ts';

/** The list's query string as the form sends it. */
export interface ListQuery {
  readonly listener?: string;
  readonly repo?: string;
  readonly sha?: string;
  readonly event?: string;
  readonly outcome?: Outcome;
  /** `YYYY-MM-DDTHH:MM` in UTC (an `<input type="datetime-local">`). */
  readonly since?: string;
  readonly until?: string;
  /** The page cursor: `<score>~<eventID>`. */
  readonly before?: string;
}

const utcMs = (local: string | undefined) => {
  if (!local) return undefined;
  const ms = Date.parse(`${local}Z`);
  return Number.isNaN(ms) ? undefined : ms;
};

/** The filter a query asks for. */
export function filterOf(query: ListQuery): DeliveryFilter {
  const since = utcMs(query.since);
  const until = utcMs(query.until);
  return {
    ...(query.listener ? { listener: query.listener } : {}),
    ...(query.repo ? { repo: query.repo } : {}),
    ...(query.sha ? { sha: query.sha } : {}),
    ...(query.event ? { event: query.event } : {}),
    ...(query.outcome ? { outcome: query.outcome } : {}),
    ...(since !== undefined ? { since } : {}),
    // datetime-local has minute precision: "until 10:05" includes 10:05:59.
    ...(until !== undefined ? { until: until + 59_999 } : {}),
  };
}

function field(
  name: keyof ListQuery,
  label: string,
  query: ListQuery,
  attributes: Record<string, string> = {},
) {
  const extra = Object.entries(attributes).map(([k, v]) => html` ${k}="${v}"`);
  return html`<label>${label}<input name="${name}" value="${query[name] ?? ''}"${extra}></label>`;
}

const outcomes = [
  ['', 'any'],
  ['fired', 'fired'],
  ['none', 'none fired'],
  ['rejected', 'rejected'],
  ['duplicate', 'duplicate'],
  ['replay', 'replays'],
] as const;

/** The deliveries list: filters, newest first, live rows on the first page, older pages by cursor. */
export function deliveriesPage(options: {
  query: ListQuery;
  page: DeliveryPage;
  listeners: readonly string[];
  now: Date;
}): Html {
  const { query, page, listeners, now } = options;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v && k !== 'before') params.set(k, String(v));
  const live = query.before
    ? undefined
    : `/console/events?${params.toString()}${params.size ? '&' : ''}from=${now.getTime()}`;
  const next = page.next
    ? `/console/deliveries?${new URLSearchParams({ ...Object.fromEntries(params), before: `${page.next.score}~${page.next.eventID}` })}`
    : undefined;
  return html`<form class="filters" method="get" action="/console/deliveries" role="search" aria-label="Filter deliveries">
<label>Listener<select name="listener"><option value="">any</option>${listeners.map(
    (l) => html`<option${l === query.listener ? html` selected` : ''}>${l}</option>`,
  )}</select></label>
${field('repo', 'Repository', query, { placeholder: 'org/repo' })}
${field('sha', 'Commit sha (prefix)', query, { pattern: '[0-9a-fA-F]{1,40}', size: '10' })}
${field('event', 'Event type', query, { placeholder: 'push', size: '12' })}
<label>Outcome<select name="outcome">${outcomes.map(
    ([value, label]) =>
      html`<option value="${value}"${value === (query.outcome ?? '') ? html` selected` : ''}>${label}</option>`,
  )}</select></label>
${field('since', 'From (UTC)', query, { type: 'datetime-local' })}
${field('until', 'To (UTC)', query, { type: 'datetime-local' })}
<button type="submit" class="primary">Filter</button> <a href="/console/deliveries">Clear</a>
</form>
<p id="live-status" class="status" role="status" aria-live="polite">${live ? 'Connecting live updates…' : 'Older page: live updates are shown on the first page.'}</p>
<div class="table-wrap"><table>
<caption class="muted">Deliveries, newest first${query.before ? ' (older page)' : ''}</caption>
<thead><tr><th scope="col">Event</th><th scope="col">Repository</th><th scope="col">Listener</th><th scope="col">Triggers fired</th><th scope="col">Status</th><th scope="col">Age</th></tr></thead>
<tbody${live ? html` data-live="${live}"` : ''}>${
    page.items.length > 0
      ? page.items.map((r) => deliveryRow(r, now))
      : html`<tr class="empty"><td colspan="6" class="muted">No deliveries match${page.next ? ' in this stretch of the ledger; try older' : ''}.</td></tr>`
  }</tbody>
</table></div>
<nav class="pager" aria-label="Pages">${query.before ? html`<a href="/console/deliveries?${params.toString()}">Newest</a>` : ''}${
    next ? html`<a href="${next}" rel="next">Older →</a>` : ''
  }</nav>`;
}
