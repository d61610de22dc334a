import { type Html, html } from './html.ts';

/** Nodes rendered before the viewer falls back to plain text (a 1 MiB body has many). */
const maxNodes = 4000;

/**
 * A JSON value as nested `<details>` (collapsible without script, keyboard-operable, announced by
 * screen readers): objects and arrays are open for the first `openDepth` levels. Past `maxNodes`
 * the whole value is shown as indented text instead.
 */
export function renderJson(value: unknown, openDepth = 1): Html {
  let nodes = 0;
  const walk = (v: unknown, depth: number): Html => {
    nodes++;
    if (v === null || typeof v !== 'object')
      return html`<span class="j-${v === null ? 'null' : typeof v}">${JSON.stringify(v)}</span>`;
    const entries: [string, unknown][] = Array.isArray(v)
      ? v.map((x, i) => [String(i), x])
      : Object.entries(v);
    const [open, close] = Array.isArray(v) ? ['[', ']'] : ['{', '}'];
    if (entries.length === 0) return html`<span>${open}${close}</span>`;
    return html`<details${depth < openDepth ? html` open` : ''}><summary>${open} ${entries.length} ${Array.isArray(v) ? 'item' : 'key'}${entries.length === 1 ? '' : 's'}</summary><ul class="json">${entries.map(
      ([k, x]) =>
        html`<li><span class="j-key">${Array.isArray(v) ? k : JSON.stringify(k)}</span>: ${walk(x, depth + 1)}</li>`,
    )}</ul>${close}</details>`;
  };
  const rendered = walk(value, 0);
  if (nodes <= maxNodes) return html`<div class="json-view">${rendered}</div>`;
  return html`<pre class="json-text">${JSON.stringify(value, null, 2)}</pre>`;
}
