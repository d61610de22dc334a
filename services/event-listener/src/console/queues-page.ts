import { type Html, html } from './html.ts';
import type { QueueStats } from './queue-stats.ts';

const columns = ['waiting', 'prioritized', 'active', 'delayed', 'failed', 'completed'] as const;

/** Depth by state and last-minute throughput of each queue. */
export function queuesPage(stats: readonly QueueStats[]): Html {
  return html`<div class="table-wrap"><table><caption class="muted">Jobs per state, and jobs finished in the last minute</caption>
<thead><tr><th scope="col">Queue</th>${columns.map((c) => html`<th scope="col">${c}</th>`)}<th scope="col">completed / min</th><th scope="col">failed / min</th></tr></thead>
<tbody>${stats.map(
    (s) =>
      html`<tr><th scope="row">${s.name}</th>${columns.map((c) => html`<td>${s.counts[c] ?? 0}</td>`)}<td>${s.completedPerMinute}</td><td class="${s.failedPerMinute > 0 ? 'bad' : ''}">${s.failedPerMinute}</td></tr>`,
  )}</tbody></table></div>
<p class="muted">Failed jobs are the dead letters: <a href="/console/dead-letters">see and retry them</a>. Latency histograms are on <code>/metrics</code>.</p>`;
}
