import type { EventTrailEntry } from '@signalbox/contracts';
import type { DeliveryRecord, StoredVerdict } from '../delivery-ledger.ts';
import { eventOf } from './delivery-filter.ts';
import { subjectOf } from './delivery-row.ts';
import type { explainVerdict } from './explain-verdict.ts';
import { explanationView } from './explanation-view.ts';
import { type Html, html } from './html.ts';
import type { JobOutcome } from './job-outcomes.ts';
import { renderJson } from './render-json.ts';

/** http(s) addresses in a worker's result (a pull request, a Slack permalink), at most `max`. */
function linksIn(value: unknown, max = 5, out: string[] = []): string[] {
  if (out.length >= max) return out;
  if (typeof value === 'string' && /^https?:\/\//.test(value)) out.push(value);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) linksIn(v, max, out);
  return out;
}

function outcomeView(outcome: JobOutcome): Html {
  const { job, state } = outcome;
  return html`<tr><td>${job.kind}</td><td class="mono">${job.name ?? '—'}</td><td class="mono">${job.queue}</td><td class="mono">${job.jobId}</td><td class="${
    state === 'failed' ? 'bad' : ''
  }">${state}${outcome.failedReason ? html`: ${outcome.failedReason}` : ''}</td><td>${linksIn(
    outcome.result,
  ).map(
    (href) => html`<a href="${href}" rel="noreferrer noopener">${href}</a> `,
  )}${outcome.result !== undefined && linksIn(outcome.result).length === 0 ? html`<code>${JSON.stringify(outcome.result).slice(0, 200)}</code>` : ''}</td></tr>`;
}

/** A false filter's explanation, by trigger name. */
export type Explanations = ReadonlyMap<string, Awaited<ReturnType<typeof explainVerdict>>>;

function verdictView(
  verdict: StoredVerdict,
  outcomes: readonly JobOutcome[],
  explanations: Explanations,
): Html {
  const explained = explanations.get(verdict.name);
  // Its own rows: the outcomes of its planned jobs (the same objects, read from the record). Not by
  // job id: a delivery's runs share one runs job.
  const mine = outcomes.filter((o) => verdict.resources?.includes(o.job));
  return html`<section class="verdict" aria-labelledby="v-${verdict.name}">
<h3 id="v-${verdict.name}">${verdict.name}: ${verdict.fired ? html`<span class="fired">fired</span>` : html`<span class="not-fired">not fired</span>`}</h3>
${verdict.reason ? html`<p>Reason: <code>${verdict.reason}</code></p>` : ''}
${verdict.warnings?.length ? html`<ul>${verdict.warnings.map((w) => html`<li class="bad">${w}</li>`)}</ul>` : ''}
${
  explained && 'explanation' in explained
    ? html`<div class="cel-explain"><h4>Filter, clause by clause</h4><ul class="explain">${explanationView(explained.explanation)}</ul><p class="muted">Evaluated now against the stored body and headers, with the extensions the interceptors before it give under the current config.</p></div>`
    : explained
      ? html`<p class="bad">Could not explain the filter: ${explained.error}</p>`
      : ''
}
${
  mine.length > 0
    ? html`<div class="table-wrap"><table><caption class="muted">Rendered resources and what happened next</caption><thead><tr><th scope="col">Kind</th><th scope="col">Name</th><th scope="col">Queue</th><th scope="col">Job id</th><th scope="col">State</th><th scope="col">Result</th></tr></thead><tbody>${mine.map(outcomeView)}</tbody></table></div>`
    : ''
}
</section>`;
}

function bodyView(record: DeliveryRecord): Html {
  if (record.body === undefined)
    return html`<p class="muted">Body not kept (${record.bodyBytes} bytes, over the ledger's cap); it cannot be replayed.</p>`;
  try {
    return renderJson(JSON.parse(record.body));
  } catch {
    return html`<pre>${record.body}</pre>`;
  }
}

/** The status it was answered with, and what that meant. */
function statusView(record: DeliveryRecord): Html {
  if (record.error !== undefined) return html`<span class="bad">${record.status} ${record.error}</span>`;
  if (record.duplicateOf !== undefined)
    return html`202 duplicate of <a class="mono" href="/console/deliveries/${record.duplicateOf}">${record.duplicateOf}</a>`;
  return html`202 accepted`;
}

/** A refusal or a copy keeps no body and no verdicts: what it has instead of those sections. */
function notEvaluated(record: DeliveryRecord): Html {
  return record.error !== undefined
    ? html`<p class="muted">Refused before it was stored: a refusal keeps its redacted headers and nothing of its body.</p>`
    : html`<p class="muted">A copy of a delivery already accepted: nothing was evaluated or enqueued again. The triggers and what happened next are on the original's page.</p>`;
}

/** A link when the address is http(s), else the label as text (the trail is another service's writing). */
function linkTo(url: string | undefined, label: string): Html {
  return url && /^https?:\/\//.test(url)
    ? html`<a href="${url}" rel="noreferrer noopener">${label}</a>`
    : html`${label}`;
}

/** One trail entry as a row: what it is, its name or link, its latest state, when. */
function trailRow(entry: EventTrailEntry): Html {
  const when = html`<td><time datetime="${entry.occurredAt}">${entry.occurredAt}</time></td>`;
  if (entry.kind === 'slack.thread')
    return html`<tr><td>Slack thread</td><td>${linkTo(entry.url, `${entry.channel} · ${entry.ts}`)}</td><td>posted</td>${when}</tr>`;
  if (entry.kind.startsWith('manifest.')) {
    const label = `${entry.repo ?? 'pull request'}${entry.number !== undefined ? ` #${entry.number}` : ''}`;
    return html`<tr><td>Pull request</td><td>${linkTo(entry.url, label)}</td><td>${entry.kind.replace('manifest.pr_', '')}</td>${when}</tr>`;
  }
  const state = entry.kind.replace('run.', '');
  return html`<tr><td>PipelineRun${entry.pipeline ? html` <span class="muted">(${entry.pipeline})</span>` : ''}</td><td class="mono">${
    entry.namespace ? `${entry.namespace}/` : ''
  }${entry.name}</td><td class="${/failed|cancelled/.test(state) ? 'bad' : state === 'succeeded' ? 'fired' : ''}">${state}${
    entry.reason ? html`: ${entry.reason}` : ''
  }</td>${when}</tr>`;
}

/** What the correlation knows happened next: runs, pull requests, Slack threads (the notifier's trail). */
function trailView(trail: readonly EventTrailEntry[]): Html {
  return html`<h2>What happened next</h2>${
    trail.length > 0
      ? html`<div class="table-wrap"><table><caption class="muted">PipelineRuns, pull requests and Slack threads, as their notifications told</caption><thead><tr><th scope="col">What</th><th scope="col">Name</th><th scope="col">Latest</th><th scope="col">When</th></tr></thead><tbody>${trail.map(trailRow)}</tbody></table></div>`
      : html`<p class="muted">Nothing yet: runs, pull requests and Slack threads appear as the notifier handles their notifications.</p>`
  }`;
}

/** What a delivery's page shows: its record, its jobs' fate, explanations and trail. */
interface DeliveryPageData {
  readonly record: DeliveryRecord;
  readonly outcomes: readonly JobOutcome[];
  readonly explanations: Explanations;
  readonly trail: readonly EventTrailEntry[];
  readonly csrf: string;
}

/** An accepted delivery's triggers (with what happened next) and its replay form. */
function evaluatedView(options: DeliveryPageData): Html {
  const { record, outcomes, explanations, trail, csrf } = options;
  return html`${trailView(trail)}
<h2>Triggers</h2>
${record.verdicts.length > 0 ? record.verdicts.map((v) => verdictView(v, outcomes, explanations)) : html`<p class="muted">No triggers.</p>`}
<h2>Replay</h2>
${
  record.body === undefined
    ? html`<p class="muted">Not replayable: the body was not kept.</p>`
    : html`<form method="post" action="/console/deliveries/${record.eventID}/dry-run"><input type="hidden" name="_csrf" value="${csrf}"><p>A dry run evaluates this body against the current config and shows the verdicts beside the original ones; nothing is enqueued or recorded.</p><button type="submit" class="primary">Dry-run replay</button></form>`
}`;
}

/**
 * One delivery: its identity and headers (the ledger keeps no secret or signature header), each
 * trigger's verdict with its reason — a false CEL filter explained clause by clause — the
 * resources it rendered with their jobs' fate, the body, and the dry-run replay form.
 */
export function deliveryPage(options: DeliveryPageData): Html {
  const { record } = options;
  return html`<dl class="kv">
<dt>${record.error !== undefined ? 'Refusal id' : record.duplicateOf !== undefined ? 'Copy id' : 'Event id'}</dt><dd class="mono">${record.eventID}</dd>
<dt>Delivery id</dt><dd class="mono">${record.deliveryId || '—'}</dd>
<dt>Event</dt><dd>${eventOf(record)}</dd>
<dt>About</dt><dd class="mono">${subjectOf(record)}</dd>
<dt>Listener</dt><dd>${record.listener}</dd>
<dt>Received</dt><dd><time datetime="${record.receivedAt}">${record.receivedAt}</time></dd>
<dt>Status</dt><dd>${statusView(record)}</dd>
${record.replayOf ? html`<dt>Replay of</dt><dd><a class="mono" href="/console/deliveries/${record.replayOf}">${record.replayOf}</a></dd>` : ''}
</dl>
${record.error !== undefined || record.duplicateOf !== undefined ? notEvaluated(record) : evaluatedView(options)}
<h2>Headers</h2>
<p class="muted">Secrets, signatures, cookies and authorization headers are never stored.</p>
<dl class="kv">${Object.entries(record.headers).map(([k, v]) => html`<dt>${k}</dt><dd class="mono">${v}</dd>`)}</dl>
${record.error !== undefined || record.duplicateOf !== undefined ? '' : html`<h2>Body</h2>${bodyView(record)}`}`;
}
