import { goJson } from '../cel/go-json.ts';
import { canonicalHeaderName } from '../http/canonical-header-name.ts';
import { evaluateJsonPath, type JsonPath, JsonPathError, parseJsonPath } from './json-path.ts';

export type BindingPart = { text: string } | { path: JsonPath; source: string };

/** What `$(…)` reads: Tekton's event object (tekton-triggers reference §3). */
export interface BindingEvent {
  readonly body: unknown;
  /** Canonical header name → all values joined with ','. */
  readonly header: Readonly<Record<string, string>>;
  readonly extensions: Readonly<Record<string, unknown>>;
  readonly context: { readonly eventID: string };
}

const roots = new Set(['body', 'header', 'extensions', 'context']);

/**
 * Splits a binding value into static text and `$(…)` expressions (several per value; the first
 * unbalanced `)` ends one; `$($(body.b))` is `$(body.b)`). Throws `JsonPathError` on a bad value,
 * so config load reports it.
 */
export function parseBindingValue(value: string): BindingPart[] {
  const parts: BindingPart[] = [];
  let pos = 0;
  while (pos < value.length) {
    const start = value.indexOf('$(', pos);
    if (start < 0) {
      parts.push({ text: value.slice(pos) });
      break;
    }
    if (start > pos) parts.push({ text: value.slice(pos, start) });
    let depth = 0;
    let end = -1;
    for (let i = start + 1; i < value.length; i++) {
      if (value[i] === '(') depth++;
      else if (value[i] === ')' && --depth === 0) {
        end = i;
        break;
      }
    }
    if (end < 0) throw new JsonPathError(`unbalanced $( in ${JSON.stringify(value)}`);
    let inner = value.slice(start + 2, end);
    while (inner.startsWith('$(') && inner.endsWith(')')) inner = inner.slice(2, -1);
    let path = parseJsonPath(inner);
    if (!roots.has(path.root)) {
      throw new JsonPathError(`$(${inner}): expected body, header, extensions or context, not ${path.root}`);
    }
    if (path.root === 'header' && path.segments[0]?.kind === 'key') {
      // Header names are case-insensitive: match the canonical form the event object uses.
      const [head, ...rest] = path.segments;
      path = { ...path, segments: [{ kind: 'key', key: canonicalHeaderName(head.key) }, ...rest] };
    }
    parts.push({ path, source: inner });
    pos = end + 1;
  }
  return parts;
}

function render(value: unknown): string {
  // A string is emitted JSON-escaped without its quotes, so it is safe inside a JSON string field.
  return typeof value === 'string' ? goJson(value).slice(1, -1) : goJson(value);
}

/** Resolves a parsed binding value against an event. Throws `JsonPathError` when a path selects nothing. */
export function resolveBindingValue(parts: readonly BindingPart[], event: BindingEvent): string {
  let out = '';
  for (const part of parts) {
    if ('text' in part) {
      out += part.text;
      continue;
    }
    const root = (event as unknown as Record<string, unknown>)[part.path.root];
    const found = evaluateJsonPath(part.path, root);
    // As Kubernetes JSONPath: one match renders as itself, several as a JSON array.
    if (found.length === 1) out += render(found[0]);
    else if (part.path.multiple) out += goJson(found);
    else throw new JsonPathError(`$(${part.source}): not found in the event`);
  }
  return out;
}
