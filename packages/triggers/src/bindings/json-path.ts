/**
 * Tekton's relaxed Kubernetes JSONPath for `$(…)` in bindings: `body.a.b`, `.a.b`, `{.a.b}`,
 * `[n]` (negative counts from the end), slices `[a:b]`, wildcards `[*]` / `.*`, quoted keys
 * `['a.b']`, filters `[?(@.a == 'd')]`, and backslash-escaped keys (`app\.kubernetes\.io\/name`).
 */
export type Segment =
  | { kind: 'key'; key: string }
  | { kind: 'index'; index: number }
  | { kind: 'slice'; start?: number; end?: number; step?: number }
  | { kind: 'wildcard' }
  | { kind: 'filter'; path: Segment[]; op?: string; literal?: unknown };

export interface JsonPath {
  readonly root: string;
  readonly segments: readonly Segment[];
  /** True when the path can select several values (wildcard, slice, filter): results render as a list. */
  readonly multiple: boolean;
}

export class JsonPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JsonPathError';
  }
}

function parseSegments(text: string, pos: number, stopAt?: string): { segments: Segment[]; pos: number } {
  const segments: Segment[] = [];
  while (pos < text.length) {
    const ch = text[pos];
    if (stopAt?.includes(ch ?? '')) break;
    if (ch === '.') {
      pos++;
      if (text[pos] === '*') {
        segments.push({ kind: 'wildcard' });
        pos++;
        continue;
      }
      let key = '';
      while (
        pos < text.length &&
        text[pos] !== '.' &&
        text[pos] !== '[' &&
        !stopAt?.includes(text[pos] ?? '')
      ) {
        if (text[pos] === '\\' && pos + 1 < text.length) pos++;
        key += text[pos++];
      }
      if (key === '') throw new JsonPathError(`empty key at position ${pos}`);
      segments.push({ kind: 'key', key });
    } else if (ch === '[') {
      const close = findBracketEnd(text, pos);
      const inner = text.slice(pos + 1, close).trim();
      segments.push(parseBracket(inner));
      pos = close + 1;
    } else {
      throw new JsonPathError(`unexpected ${JSON.stringify(ch)} at position ${pos}`);
    }
  }
  return { segments, pos };
}

function findBracketEnd(text: string, open: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '[') depth++;
    else if (c === ']' && --depth === 0) return i;
  }
  throw new JsonPathError('unclosed [');
}

function parseLiteral(text: string): unknown {
  const t = text.trim();
  if (/^'.*'$/s.test(t) || /^".*"$/s.test(t)) return t.slice(1, -1).replace(/\\(.)/g, '$1');
  if (t === 'true' || t === 'false') return t === 'true';
  if (t === 'null') return null;
  if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
  throw new JsonPathError(`unsupported filter literal ${t}`);
}

function parseBracket(inner: string): Segment {
  if (inner === '*') return { kind: 'wildcard' };
  if (/^-?\d+$/.test(inner)) return { kind: 'index', index: Number(inner) };
  if (/^'.*'$/s.test(inner) || /^".*"$/s.test(inner)) return { kind: 'key', key: inner.slice(1, -1) };
  const slice = /^(-?\d*):(-?\d*)(?::(-?\d+))?$/.exec(inner);
  if (slice) {
    const [, a, b, c] = slice;
    return {
      kind: 'slice',
      ...(a ? { start: Number(a) } : {}),
      ...(b ? { end: Number(b) } : {}),
      ...(c ? { step: Number(c) } : {}),
    };
  }
  const filter = /^\?\((.*)\)$/s.exec(inner);
  if (filter?.[1] !== undefined) {
    const body = filter[1].trim();
    if (!body.startsWith('@')) throw new JsonPathError('a filter must start with @');
    const { segments, pos } = parseSegments(body, 1, ' =!<>');
    const rest = body.slice(pos).trim();
    if (rest === '') return { kind: 'filter', path: segments };
    const m = /^(==|!=|<=|>=|<|>)(.*)$/s.exec(rest);
    if (!m?.[1] || m[2] === undefined) throw new JsonPathError(`unsupported filter ${body}`);
    return { kind: 'filter', path: segments, op: m[1], literal: parseLiteral(m[2]) };
  }
  throw new JsonPathError(`unsupported selector [${inner}]`);
}

/** Parses the inside of `$(…)`. Throws `JsonPathError`. */
export function parseJsonPath(expression: string): JsonPath {
  let text = expression.trim();
  if (text.startsWith('{') && text.endsWith('}')) text = text.slice(1, -1).trim();
  if (text.startsWith('.')) text = text.slice(1);
  const rootMatch = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text);
  if (!rootMatch)
    throw new JsonPathError(`expected body, header, extensions or context in ${JSON.stringify(expression)}`);
  const root = rootMatch[0];
  const { segments } = parseSegments(text, root.length);
  const multiple = segments.some((s) => s.kind === 'wildcard' || s.kind === 'slice' || s.kind === 'filter');
  return { root, segments, multiple };
}

function compare(a: unknown, op: string, b: unknown): boolean {
  switch (op) {
    case '==':
      return a === b;
    case '!=':
      return a !== b;
    default: {
      if (typeof a !== typeof b || (typeof a !== 'number' && typeof a !== 'string')) return false;
      const x = a as number | string;
      const y = b as number | string;
      return op === '<' ? x < y : op === '<=' ? x <= y : op === '>' ? x > y : x >= y;
    }
  }
}

function step(values: unknown[], segment: Segment): unknown[] {
  const out: unknown[] = [];
  for (const v of values) {
    switch (segment.kind) {
      case 'key':
        if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.hasOwn(v, segment.key)) {
          out.push((v as Record<string, unknown>)[segment.key]);
        }
        break;
      case 'index':
        if (Array.isArray(v)) {
          const i = segment.index < 0 ? v.length + segment.index : segment.index;
          if (i >= 0 && i < v.length) out.push(v[i]);
        }
        break;
      case 'slice':
        if (Array.isArray(v)) {
          const norm = (n: number | undefined, dflt: number) =>
            n === undefined ? dflt : n < 0 ? Math.max(0, v.length + n) : Math.min(n, v.length);
          const s = norm(segment.start, 0);
          const e = norm(segment.end, v.length);
          const by = segment.step ?? 1;
          if (by <= 0) throw new JsonPathError('slice step must be positive');
          for (let i = s; i < e; i += by) out.push(v[i]);
        }
        break;
      case 'wildcard':
        if (Array.isArray(v)) out.push(...v);
        else if (v !== null && typeof v === 'object') out.push(...Object.values(v));
        break;
      case 'filter': {
        const items = Array.isArray(v) ? v : v !== null && typeof v === 'object' ? Object.values(v) : [];
        for (const item of items) {
          const found = evaluateSegments([item], segment.path);
          if (
            segment.op === undefined
              ? found.length > 0
              : found.some((f) => compare(f, segment.op ?? '', segment.literal))
          ) {
            out.push(item);
          }
        }
        break;
      }
    }
  }
  return out;
}

function evaluateSegments(start: unknown[], segments: readonly Segment[]): unknown[] {
  return segments.reduce(step, start);
}

/** Every value `path` selects below `root`. */
export function evaluateJsonPath(path: JsonPath, root: unknown): unknown[] {
  // Most bindings are plain keys (`body.repository.full_name`): walked without a list per step.
  let value = root;
  for (const segment of path.segments) {
    if (segment.kind !== 'key') return evaluateSegments([root], path.segments);
    if (
      value === null ||
      typeof value !== 'object' ||
      Array.isArray(value) ||
      !Object.hasOwn(value, segment.key)
    )
      return [];
    value = (value as Record<string, unknown>)[segment.key];
  }
  return [value];
}
