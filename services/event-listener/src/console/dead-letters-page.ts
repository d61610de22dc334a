import type { DeadLetter } from './dead-letters.ts';
import { type Html, html } from './html.ts';

/** Failed jobs with the outside system's error, a retry button each and one for all. */
export function deadLettersPage(options: {
  letters: readonly DeadLetter[];
  csrf: string;
  notice?: string;
}): Html {
  const { letters, csrf, notice } = options;
  return html`${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}
${
  letters.length === 0
    ? html`<p class="muted">No dead letters.</p>`
    : html`<form method="post" action="/console/dead-letters/retry-all"><input type="hidden" name="_csrf" value="${csrf}"><button type="submit" class="danger">Retry all ${letters.length}</button></form>
<div class="table-wrap"><table><caption class="muted">Failed jobs, newest first</caption>
<thead><tr><th scope="col">Queue</th><th scope="col">Job</th><th scope="col">Error</th><th scope="col">Attempts</th><th scope="col">Failed</th><th scope="col">Delivery</th><th scope="col"><span class="sr-only">Action</span></th></tr></thead>
<tbody>${letters.map(
        (l) =>
          html`<tr><td>${l.queue}</td><td class="mono">${l.jobId}</td><td><strong>${l.system}:</strong> ${l.reason}</td><td>${l.attemptsMade}</td><td>${
            l.failedAt
              ? html`<time datetime="${new Date(l.failedAt).toISOString()}">${new Date(l.failedAt).toISOString()}</time>`
              : '—'
          }</td><td>${l.eventId ? html`<a class="mono" href="/console/deliveries/${l.eventId}">${l.eventId.slice(0, 8)}</a>` : '—'}</td><td><form method="post" action="/console/dead-letters/retry" class="inline"><input type="hidden" name="_csrf" value="${csrf}"><input type="hidden" name="queue" value="${l.queue}"><input type="hidden" name="jobId" value="${l.jobId}"><button type="submit" aria-label="Retry job ${l.jobId}">Retry</button></form></td></tr>`,
      )}</tbody></table></div>`
}`;
}
