import type { DeliveryRecord, StoredVerdict } from '../delivery-ledger.ts';
import { type Html, html } from './html.ts';

function verdictList(verdicts: readonly StoredVerdict[]): Html {
  if (verdicts.length === 0) return html`<p class="muted">No verdicts.</p>`;
  return html`<ul>${verdicts.map(
    (v) =>
      html`<li><strong>${v.name}</strong>: ${v.fired ? html`<span class="fired">fired</span> (${v.resources?.length ?? 0} resources)` : html`<span class="not-fired">not fired</span>`}${
        v.reason ? html` — <code>${v.reason}</code>` : ''
      }</li>`,
  )}</ul>`;
}

/**
 * A dry-run replay's result beside the original verdicts, and the real replay behind an explicit
 * confirmation (a required checkbox: the real one enqueues jobs again).
 */
export function replayPage(options: {
  record: DeliveryRecord;
  status: number;
  /** The dry run's verdicts, or its refusal. */
  result: { triggers?: readonly StoredVerdict[]; error?: string; message?: string };
  csrf: string;
}): Html {
  const { record, status, result, csrf } = options;
  return html`<p>Delivery <a class="mono" href="/console/deliveries/${record.eventID}">${record.eventID}</a> (${record.listener}), evaluated against the current config. Nothing was enqueued.</p>
${
  result.triggers
    ? html`<div class="side-by-side">
<section aria-labelledby="orig"><h2 id="orig">Original (${record.receivedAt})</h2>${verdictList(record.verdicts)}</section>
<section aria-labelledby="now"><h2 id="now">Dry run now</h2>${verdictList(result.triggers)}</section>
</div>
<form method="post" action="/console/deliveries/${record.eventID}/replay" class="stack notice">
<input type="hidden" name="_csrf" value="${csrf}">
<p><label class="check"><input type="checkbox" name="confirm" value="yes" required> I want to replay this delivery for real: its jobs are enqueued again under a new event id, linked to this one.</label></p>
<button type="submit" class="danger">Replay for real</button>
</form>`
    : html`<p class="notice error" role="alert">The dry run was refused (${status}): ${result.message ?? result.error ?? 'no reason given'}</p>`
}`;
}
