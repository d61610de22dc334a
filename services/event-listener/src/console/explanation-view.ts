import type { CelExplanation } from '@signalbox/triggers';
import { type Html, html } from './html.ts';

function shownValue(node: CelExplanation): Html {
  if (node.error !== undefined) return html`<span class="v-error">error: ${node.error}</span>`;
  const text = JSON.stringify(node.value);
  const shown = text.length > 200 ? `${text.slice(0, 200)}…` : text;
  const tone = node.value === true ? 'v-true' : node.value === false ? 'v-false' : 'v-other';
  return html`<span class="${tone}">${shown}</span>`;
}

/** A CEL explanation as a nested list: each clause's source, then its value (false and errors stand out). */
export function explanationView(node: CelExplanation): Html {
  return html`<li><code>${node.source}</code> → ${shownValue(node)}${
    node.children.length > 0 ? html`<ul class="explain">${node.children.map(explanationView)}</ul>` : ''
  }</li>`;
}
