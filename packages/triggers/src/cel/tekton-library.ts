import { createHash, timingSafeEqual } from 'node:crypto';
import type { Environment } from '@marcbachmann/cel-js';
import { parse as parseYamlText, type Tags } from 'yaml';
import { canonicalHeaderName } from '../http/canonical-header-name.ts';
import type { SecretStore } from '../types.ts';
import { CelError } from './cel-error.ts';
import { celToJson } from './cel-to-json.ts';
import { goJson } from './go-json.ts';
import { compileRegex } from './regex.ts';

/** The per-evaluation context Tekton's functions may read (compareSecret's secrets). */
export interface EvalContext {
  secrets?: SecretStore;
}

/**
 * Set by `evaluate()` for the duration of one evaluation. cel-js hands a function only its
 * arguments, and evaluation is synchronous (no async function is registered), so one slot suffices.
 */
export const evalContext: { current: EvalContext } = { current: {} };

/**
 * String methods cel-js implements on UTF-16 units or with Unicode case/space rules; cel-go's
 * count code points and are ASCII-only. The compiler renames calls to these to `__sb_<name>`,
 * registered below, because cel-js refuses a second overload with a built-in's signature.
 */
export const overriddenMethods: ReadonlySet<string> = new Set([
  'indexOf',
  'lastIndexOf',
  'substring',
  'lowerAscii',
  'upperAscii',
  'trim',
  'split',
]);

const fail = (message: string): never => {
  throw new CelError('CEL_EVAL', message);
};

function plainObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array)
  );
}

function headerValue(map: unknown, name: string, fn: string): string {
  if (!plainObject(map)) return fail(`${fn}: receiver is not a map`);
  // Tekton converts the whole receiver to an http.Header, so any non-header value is an error.
  for (const values of Object.values(map)) {
    if (!Array.isArray(values) || !values.every((v) => typeof v === 'string')) {
      return fail(`${fn}: receiver is not a header map (values must be lists of strings)`);
    }
  }
  const values = map[canonicalHeaderName(name)] as string[] | undefined;
  return values?.[0] ?? '';
}

function constantTimeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}

function compareSecret(value: string, key: string, name: string): boolean {
  const secret = evalContext.current.secrets?.read(name, key);
  if (secret === undefined) return fail(`compareSecret: secret ${name}/${key} not found`);
  return constantTimeEqual(value, secret);
}

/**
 * sigs.k8s.io/yaml (go-yaml v2, YAML 1.1: `yes`/`on`/`y` are booleans, `0777` is octal), then
 * JSON: timestamps stay strings (go-yaml v2 keeps untagged ones as strings), duplicate keys keep
 * the last, an empty document is an empty map, and numbers JSON cannot hold are an error.
 */
const yamlOptions = {
  version: '1.1',
  uniqueKeys: false,
  customTags: (tags: Tags) =>
    tags.filter((t) =>
      typeof t === 'string'
        ? !['timestamp', 'intTime', 'floatTime'].includes(t)
        : t.tag !== 'tag:yaml.org,2002:timestamp' && t.format !== 'TIME',
    ),
} as const;

function parseYaml(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = parseYamlText(text, yamlOptions);
  } catch (err) {
    // yaml's messages quote the document (alias names, snippets): report only where it failed.
    const line = (err as { linePos?: Array<{ line: number; col: number }> }).linePos?.[0];
    return fail(`parseYAML: invalid YAML${line ? ` at line ${line.line}, column ${line.col}` : ''}`);
  }
  if (value === null || value === undefined) return {};
  if (!plainObject(value)) return fail('parseYAML: the document is not a map');
  let json: string;
  try {
    json = JSON.stringify(value, (_k, v: unknown) => {
      if (typeof v === 'number' && !Number.isFinite(v)) throw new Error('non-finite');
      return v;
    });
  } catch {
    return fail('parseYAML: the document holds a number JSON cannot represent (.inf or .nan)');
  }
  return JSON.parse(json) as Record<string, unknown>;
}

/** Go's `strconv.Quote`, which cel-go's `strings.quote` follows. */
function goQuote(s: string): string {
  const named: Record<string, string> = {
    '\x07': '\\a',
    '\b': '\\b',
    '\f': '\\f',
    '\n': '\\n',
    '\r': '\\r',
    '\t': '\\t',
    '\v': '\\v',
    '"': '\\"',
    '\\': '\\\\',
  };
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    if (named[ch]) out += named[ch];
    // A lone surrogate is what Go's JSON decoder turns into U+FFFD.
    else if (cp >= 0xd800 && cp <= 0xdfff) out += '\ufffd';
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if ((cp >= 0x80 && cp < 0xa0) || cp === 0xad || cp === 0x2028 || cp === 0x2029 || cp === 0xfeff)
      out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** Go's `strings.Replace(s, old, new, n)`; n < 0 replaces all; an empty `old` matches between runes. */
function replaceN(s: string, from: string, to: string, n: number): string {
  if (from === '') {
    const chars = [...s];
    let out = '';
    for (let i = 0; i <= chars.length; i++) out += (n < 0 || i < n ? to : '') + (chars[i] ?? '');
    return out;
  }
  const parts = s.split(from);
  if (n < 0 || parts.length - 1 <= n) return parts.join(to);
  return parts.slice(0, n + 1).join(to) + from + parts.slice(n + 1).join(from);
}

/** Code-point index of `needle` in `chars` at or after `from`, or -1. */
function codePointIndexOf(chars: string[], needle: string[], from: number, last: boolean): number {
  const matchesAt = (i: number) => needle.every((c, j) => chars[i + j] === c);
  if (last) {
    for (let i = Math.min(from, chars.length - needle.length); i >= 0; i--) if (matchesAt(i)) return i;
  } else {
    for (let i = from; i + needle.length <= chars.length; i++) if (matchesAt(i)) return i;
  }
  return -1;
}

/** Unicode White_Space, which Go's strings.TrimSpace trims (JavaScript's trim also takes U+FEFF, not U+0085). */
const goSpace =
  /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g;

function unescapeUrl(s: string, plusIsSpace: boolean): string | undefined {
  try {
    return decodeURIComponent(plusIsSpace ? s.replace(/\+/g, ' ') : s.replace(/\+/g, '%2B'));
  } catch {
    return undefined;
  }
}

/** Go's `url.Parse` in the shape Tekton's `parseURL()` returns (tekton-triggers reference §6.2). */
function parseUrl(text: string): Record<string, unknown> {
  const m = /^(?:([A-Za-z][A-Za-z0-9+.-]*):)?(.*?)(?:#(.*))?$/s.exec(text) as RegExpExecArray;
  const [, rawScheme, rest = '', rawFragment = ''] = m;
  const scheme = rawScheme?.toLowerCase() ?? '';
  const q = rest.indexOf('?');
  const beforeQuery = q < 0 ? rest : rest.slice(0, q);
  const rawQuery = q < 0 ? '' : rest.slice(q + 1);
  let userinfo: string | undefined;
  let host = '';
  let rawPath = beforeQuery;
  if (scheme !== '' && !beforeQuery.startsWith('/')) {
    // An opaque URL (mailto:x@y) has no path.
    rawPath = '';
  } else if (beforeQuery.startsWith('//')) {
    const authority = beforeQuery.slice(2).split('/', 1)[0] as string;
    rawPath = beforeQuery.slice(2 + authority.length);
    const at = authority.lastIndexOf('@');
    if (at >= 0) userinfo = authority.slice(0, at);
    host = authority.slice(at + 1);
  }
  const path = unescapeUrl(rawPath, false);
  const fragment = unescapeUrl(rawFragment, false);
  if (path === undefined || fragment === undefined) return fail('parseURL: invalid URL escape');
  // url.Values: pairs with a bad escape or a semicolon are dropped, as Go's URL.Query() does.
  const queryStrings: Record<string, string[]> = {};
  for (const part of rawQuery.split('&')) {
    if (part === '' || part.includes(';')) continue;
    const eq = part.indexOf('=');
    const k = unescapeUrl(eq < 0 ? part : part.slice(0, eq), true);
    const v = eq < 0 ? '' : unescapeUrl(part.slice(eq + 1), true);
    if (k === undefined || v === undefined) continue;
    (queryStrings[k] ??= []).push(v);
  }
  const query = Object.fromEntries(Object.entries(queryStrings).map(([k, v]) => [k, v.join(',')]));
  const out: Record<string, unknown> = { scheme, host, path, rawQuery, fragment, query, queryStrings };
  if (userinfo !== undefined) {
    const colon = userinfo.indexOf(':');
    const username = unescapeUrl(colon < 0 ? userinfo : userinfo.slice(0, colon), false);
    const password = colon < 0 ? '' : unescapeUrl(userinfo.slice(colon + 1), false);
    if (username === undefined || password === undefined) return fail('parseURL: invalid URL escape');
    out.auth = { username, password };
  }
  return out;
}

/** Go's regexp `Expand` template (`$1`, `${1}`, `$name`, `${name}`, `$$`) as a replacer function. */
function goReplacement(template: string): (match: string, ...rest: unknown[]) => string {
  return (match, ...rest) => {
    const groupsArg = rest.at(-1);
    const named =
      typeof groupsArg === 'object' && groupsArg !== null ? (groupsArg as Record<string, string>) : {};
    const numbered = rest.slice(0, typeof groupsArg === 'object' && groupsArg !== null ? -3 : -2) as Array<
      string | undefined
    >;
    return template.replace(
      /\$(\$|\{(\w+)\}|(\w+))/g,
      (_all, tok: string, braced?: string, bare?: string) => {
        if (tok === '$') return '$';
        const name = (braced ?? bare) as string;
        if (/^\d+$/.test(name)) return Number(name) === 0 ? match : (numbered[Number(name) - 1] ?? '');
        return named[name] ?? '';
      },
    );
  };
}

/** Go's base64 StdEncoding, then RawStdEncoding (cel-go accepts padded or unpadded input). */
function base64Decode(text: string): Uint8Array {
  const s = text.replace(/[\r\n]/g, '');
  const data = s.replace(/={1,2}$/, '');
  const padded = data.length !== s.length;
  const valid =
    /^[A-Za-z0-9+/]*$/.test(data) &&
    data.length % 4 !== 1 &&
    (!padded || (s.length % 4 === 0 && data.length % 4 !== 0));
  if (!valid) return fail('base64.decode: illegal base64 data');
  return new Uint8Array(Buffer.from(data, 'base64'));
}

function toNumber(v: unknown): number {
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number') return v;
  // cel-js's uint is an object wrapping a BigInt.
  if (typeof v === 'object' && v !== null && typeof v.valueOf() === 'bigint') return Number(v.valueOf());
  return fail('expected a number');
}

/** int (BigInt), uint (object wrapping a BigInt) or double. */
function isNumeric(v: unknown): boolean {
  return (
    typeof v === 'number' ||
    typeof v === 'bigint' ||
    (typeof v === 'object' && v !== null && typeof v.valueOf() === 'bigint')
  );
}

function compareValues(a: unknown, b: unknown): number {
  if (isNumeric(a) && isNumeric(b)) {
    return toNumber(a) - toNumber(b);
  }
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  return fail('sort: list elements must be comparable values of one type');
}

function flatten(list: unknown[], depth: number): unknown[] {
  return depth <= 0 ? list : list.flatMap((x) => (Array.isArray(x) ? flatten(x, depth - 1) : [x]));
}

function celEquals(a: unknown, b: unknown): boolean {
  if (isNumeric(a) && isNumeric(b)) {
    return toNumber(a) === toNumber(b);
  }
  return goJson(celToJson(a), true) === goJson(celToJson(b), true);
}

/** A value as cel-go's `%s` renders it; strings inside lists and maps are quoted. */
function formatValue(v: unknown, nested: boolean): string {
  if (typeof v === 'string') return nested ? goQuote(v) : v;
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 'NaN';
    if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
    return String(v);
  }
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  if (Array.isArray(v)) return `[${v.map((x) => formatValue(x, true)).join(', ')}]`;
  if (v instanceof Map || plainObject(v)) {
    const entries: Array<[unknown, unknown]> = v instanceof Map ? [...v] : Object.entries(v);
    const parts = entries
      .map(([k, x]) => [formatValue(k, true), formatValue(x, true)] as const)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${parts.map(([k, x]) => `${k}: ${x}`).join(', ')}}`;
  }
  if (v instanceof Date) return v.toISOString().replace('.000Z', 'Z');
  return String(v);
}

function integer(v: unknown, clause: string): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'object' && v !== null && typeof v.valueOf() === 'bigint') return v.valueOf() as bigint;
  return fail(`format: ${clause} can only be used on integers`);
}

/** cel-go's `string.format(list)` clauses: %s %d %f %e %b %o %x %X, precision as in `%.2f`. */
function formatString(template: string, args: unknown[]): string {
  let i = 0;
  return template.replace(
    /%(?:(%)|(?:\.(\d+))?([a-zA-Z])|$)/g,
    (all, pct?: string, precision?: string, verb?: string) => {
      if (pct) return '%';
      if (!verb) return fail('format: a % at the end of the string');
      if (i >= args.length) return fail(`format: not enough arguments for ${all}`);
      const arg = args[i++];
      const digits = precision === undefined ? 6 : Number(precision);
      switch (verb) {
        case 's':
          return formatValue(arg, false);
        case 'd':
          return String(integer(arg, '%d'));
        case 'f':
          return toNumber(arg).toFixed(digits);
        case 'e': {
          const [mantissa, exp = '0'] = toNumber(arg).toExponential(digits).split('e');
          const sign = exp.startsWith('-') ? '-' : '+';
          return `${mantissa}e${sign}${exp.replace(/^[+-]/, '').padStart(2, '0')}`;
        }
        case 'x':
        case 'X': {
          const hex =
            typeof arg === 'string'
              ? Buffer.from(arg).toString('hex')
              : arg instanceof Uint8Array
                ? Buffer.from(arg).toString('hex')
                : integer(arg, '%x').toString(16);
          return verb === 'X' ? hex.toUpperCase() : hex;
        }
        case 'o':
          return integer(arg, '%o').toString(8);
        case 'b':
          return typeof arg === 'boolean' ? (arg ? '1' : '0') : integer(arg, '%b').toString(2);
        default:
          return fail(`format: unrecognized formatting clause %${verb}`);
      }
    },
  );
}

/** The parts of cel-js's macro interface (documented on `registerFunction`) that sortBy uses. */
interface MacroNode {
  op: string;
  args: unknown;
}
interface MacroType {
  kind: string;
  valueType?: MacroType;
}
interface MacroScope {
  forkWithVariable(name: string, type: MacroType): MacroScope;
  reuse(parent: MacroScope): MacroScope;
  setIterValue(value: unknown, evaluator: unknown): MacroScope;
}
interface SortBy {
  receiver: MacroNode;
  variable: string;
  key: MacroNode;
  scope?: MacroScope;
}

/**
 * cel-go's `list.sortBy(x, keyExpr)` (lists extension): a macro, since `keyExpr` is evaluated
 * per element with `x` bound; a stable sort by the keys, which must be comparable.
 */
function sortByMacro({ args, receiver }: { args: MacroNode[]; receiver: MacroNode }) {
  const [variable, key] = args;
  if (variable?.op !== 'id' || typeof variable.args !== 'string' || !key)
    throw new CelError('CEL_PARSE', 'sortBy(var, key): the first argument must be a variable name');
  const macro: SortBy = { receiver, variable: variable.args, key };
  return {
    ...macro,
    typeCheck(
      checker: {
        check(node: MacroNode, scope: MacroScope): MacroType;
        registry: { getType(n: string): MacroType };
      },
      m: SortBy,
      scope: MacroScope,
    ) {
      const listType = checker.check(m.receiver, scope);
      const dyn = checker.registry.getType('dyn');
      m.scope = scope.forkWithVariable(
        m.variable,
        listType.kind === 'list' ? (listType.valueType ?? dyn) : dyn,
      );
      checker.check(m.key, m.scope);
      return listType.kind === 'list' ? listType : checker.registry.getType('list<dyn>');
    },
    evaluate(evaluator: { run(node: MacroNode, scope: MacroScope): unknown }, m: SortBy, scope: MacroScope) {
      const list = evaluator.run(m.receiver, scope);
      if (!Array.isArray(list)) return fail('sortBy: the receiver is not a list');
      const inner = m.scope as MacroScope;
      const keyed = list.map((item) => ({
        item,
        key: evaluator.run(m.key, inner.reuse(scope).setIterValue(item, evaluator)),
      }));
      return keyed.sort((a, b) => compareValues(a.key, b.key)).map((k) => k.item);
    },
  };
}

/** Namespace objects (`base64.decode(…)`, `math.greatest(…)`): cel-js resolves `ns.fn` as a method on a constant. */
class Base64Namespace {}
class MathNamespace {}
class SetsNamespace {}
class ListsNamespace {}
class StringsNamespace {}
class JsonNamespace {}

/**
 * Registers Tekton Triggers' CEL function library and the cel-go extension libraries Tekton
 * enables (strings, encoders, sets, lists, math) on `env`, with Tekton's semantics
 * (tekton-triggers reference §6). Built-ins cel-js already has are not re-registered.
 */
export function registerTektonLibrary(env: Environment): Environment {
  env
    .registerType('Base64Namespace', Base64Namespace)
    .registerConstant('base64', 'Base64Namespace', new Base64Namespace())
    .registerType('MathNamespace', MathNamespace)
    .registerConstant('math', 'MathNamespace', new MathNamespace())
    .registerType('SetsNamespace', SetsNamespace)
    .registerConstant('sets', 'SetsNamespace', new SetsNamespace())
    .registerType('ListsNamespace', ListsNamespace)
    .registerConstant('lists', 'ListsNamespace', new ListsNamespace())
    .registerType('StringsNamespace', StringsNamespace)
    .registerConstant('strings', 'StringsNamespace', new StringsNamespace())
    .registerType('JsonNamespace', JsonNamespace)
    .registerConstant('json', 'JsonNamespace', new JsonNamespace());

  // Tekton's own functions.
  env
    .registerFunction(
      'map.match(string, string): bool',
      (m: unknown, name: string, value: string) => headerValue(m, name, 'match') === value,
    )
    .registerFunction('map.canonical(string): string', (m: unknown, name: string) =>
      headerValue(m, name, 'canonical'),
    )
    .registerFunction('string.truncate(int): string', (s: string, n: bigint) => {
      if (n < 0n) return fail('truncate: length must not be negative');
      const bytes = Buffer.from(s, 'utf8');
      return n >= BigInt(bytes.length) ? s : bytes.subarray(0, Number(n)).toString('utf8');
    })
    .registerFunction('string.compareSecret(string, string): bool', (v: string, key: string, name: string) =>
      compareSecret(v, key, name),
    )
    // The namespace argument is accepted and ignored, as in Tekton (always the trigger's own).
    .registerFunction(
      'string.compareSecret(string, string, string): bool',
      (v: string, key: string, name: string) => compareSecret(v, key, name),
    )
    .registerFunction('string.parseJSON(): map<string, dyn>', (s: string) => {
      let value: unknown;
      try {
        value = JSON.parse(s);
      } catch {
        return fail('parseJSON: the string is not valid JSON');
      }
      // Go's json.Unmarshal of `null` into a map leaves it empty.
      if (value === null) return {};
      return plainObject(value) ? value : fail('parseJSON: the value is not a JSON object');
    })
    .registerFunction('string.parseYAML(): map<string, dyn>', (s: string) => parseYaml(s))
    .registerFunction('string.parseURL(): map<string, dyn>', (s: string) => parseUrl(s))
    .registerFunction('map.marshalJSON(): string', (m: unknown) => goJson(celToJson(m), true))
    .registerFunction('list.marshalJSON(): string', (l: unknown) => goJson(celToJson(l), true))
    .registerFunction('list.first(): dyn', (l: unknown[]) => (l.length > 0 ? l[0] : null))
    .registerFunction('list.last(): dyn', (l: unknown[]) => (l.length > 0 ? l[l.length - 1] : null))
    .registerFunction(
      'string.translate(string, string): string',
      (s: string, pattern: string, repl: string) =>
        s.replace(compileRegex(pattern, 'g'), goReplacement(repl)),
    );

  // Conversions cel-js lacks (cel-go: RFC 3339 with trailing zeros trimmed, durations as "1.5s").
  env
    .registerFunction('string(google.protobuf.Timestamp): string', (t: Date) =>
      t.toISOString().replace(/\.(\d*?)0*Z$/, (_m, d: string) => (d ? `.${d}Z` : 'Z')),
    )
    .registerFunction('string(google.protobuf.Duration): string', (d: { toString(): string }) =>
      d.toString(),
    );

  // cel-go encoders.
  env
    .registerFunction('Base64Namespace.decode(string): bytes', (_ns: unknown, s: string) => base64Decode(s))
    .registerFunction('Base64Namespace.encode(bytes): string', (_ns: unknown, b: Uint8Array) =>
      Buffer.from(b).toString('base64'),
    )
    .registerFunction('JsonNamespace.encode(dyn): string', (_ns: unknown, v: unknown) =>
      goJson(celToJson(v)),
    );

  // cel-go strings extension (what cel-js lacks).
  env
    .registerFunction('string.charAt(int): string', (s: string, i: bigint) => {
      const chars = [...s];
      if (i < 0n || i > BigInt(chars.length)) return fail('charAt: index out of range');
      return chars[Number(i)] ?? '';
    })
    .registerFunction('string.replace(string, string): string', (s: string, a: string, b: string) =>
      replaceN(s, a, b, -1),
    )
    .registerFunction(
      'string.replace(string, string, int): string',
      (s: string, a: string, b: string, n: bigint) => replaceN(s, a, b, Number(n)),
    )
    .registerFunction('string.reverse(): string', (s: string) => [...s].reverse().join(''))
    .registerFunction('string.format(list): string', (s: string, args: unknown[]) => formatString(s, args))
    .registerFunction('StringsNamespace.quote(string): string', (_ns: unknown, s: string) => goQuote(s));

  // cel-go's versions of the string methods cel-js gets wrong for non-ASCII text (overriddenMethods).
  const indexOf = (s: string, sub: string, from: bigint | undefined, last: boolean) => {
    const chars = [...s];
    const start = from === undefined ? (last ? chars.length : 0) : Number(from);
    if (start < 0 || start > chars.length)
      return fail(`${last ? 'lastIndexOf' : 'indexOf'}: index out of range`);
    return BigInt(codePointIndexOf(chars, [...sub], start, last));
  };
  const substring = (s: string, from: bigint, to?: bigint) => {
    const chars = [...s];
    const end = to === undefined ? chars.length : Number(to);
    if (from < 0n || Number(from) > chars.length || end < Number(from) || end > chars.length)
      return fail('substring: index out of range');
    return chars.slice(Number(from), end).join('');
  };
  const split = (s: string, sep: string, n: number) => {
    if (n === 0) return [];
    // Go splits on runes for an empty separator, and keeps the rest in the last element (SplitN).
    const parts = sep === '' ? [...s] : s.split(sep);
    if (n < 0 || parts.length <= n) return parts;
    return [...parts.slice(0, n - 1), parts.slice(n - 1).join(sep)];
  };
  env
    .registerFunction('string.__sb_indexOf(string): int', (s: string, sub: string) =>
      indexOf(s, sub, undefined, false),
    )
    .registerFunction('string.__sb_indexOf(string, int): int', (s: string, sub: string, from: bigint) =>
      indexOf(s, sub, from, false),
    )
    .registerFunction('string.__sb_lastIndexOf(string): int', (s: string, sub: string) =>
      indexOf(s, sub, undefined, true),
    )
    .registerFunction('string.__sb_lastIndexOf(string, int): int', (s: string, sub: string, from: bigint) =>
      indexOf(s, sub, from, true),
    )
    .registerFunction('string.__sb_substring(int): string', (s: string, from: bigint) => substring(s, from))
    .registerFunction('string.__sb_substring(int, int): string', (s: string, from: bigint, to: bigint) =>
      substring(s, from, to),
    )
    .registerFunction('string.__sb_lowerAscii(): string', (s: string) =>
      s.replace(/[A-Z]+/g, (m) => m.toLowerCase()),
    )
    .registerFunction('string.__sb_upperAscii(): string', (s: string) =>
      s.replace(/[a-z]+/g, (m) => m.toUpperCase()),
    )
    .registerFunction('string.__sb_trim(): string', (s: string) => s.replace(goSpace, ''))
    .registerFunction('string.__sb_split(string): list<string>', (s: string, sep: string) =>
      split(s, sep, -1),
    )
    .registerFunction('string.__sb_split(string, int): list<string>', (s: string, sep: string, n: bigint) =>
      split(s, sep, Number(n)),
    );

  // cel-go sets extension.
  const contains = (a: unknown[], b: unknown[]) => b.every((x) => a.some((y) => celEquals(x, y)));
  env
    .registerFunction(
      'SetsNamespace.contains(list, list): bool',
      (_ns: unknown, a: unknown[], b: unknown[]) => contains(a, b),
    )
    .registerFunction(
      'SetsNamespace.equivalent(list, list): bool',
      (_ns: unknown, a: unknown[], b: unknown[]) => contains(a, b) && contains(b, a),
    )
    .registerFunction(
      'SetsNamespace.intersects(list, list): bool',
      (_ns: unknown, a: unknown[], b: unknown[]) => a.some((x) => b.some((y) => celEquals(x, y))),
    );

  // cel-go lists extension (sortBy is a macro and is not provided).
  env
    .registerFunction('list.slice(int, int): list', (l: unknown[], from: bigint, to: bigint) => {
      if (from < 0n || to < from || to > BigInt(l.length)) return fail('slice: index out of range');
      return l.slice(Number(from), Number(to));
    })
    .registerFunction('list.flatten(): list', (l: unknown[]) => flatten(l, 1))
    .registerFunction('list.flatten(int): list', (l: unknown[], depth: bigint) => {
      if (depth < 0n) return fail('flatten: depth must not be negative');
      return flatten(l, Number(depth));
    })
    .registerFunction('list.sort(): list', (l: unknown[]) => [...l].sort(compareValues))
    .registerFunction('list.distinct(): list', (l: unknown[]) =>
      l.filter((x, i) => l.findIndex((y) => celEquals(x, y)) === i),
    )
    .registerFunction('list.reverse(): list', (l: unknown[]) => [...l].reverse())
    .registerFunction('ListsNamespace.range(int): list<int>', (_ns: unknown, n: bigint) =>
      Array.from({ length: Math.max(0, Number(n)) }, (_v, i) => BigInt(i)),
    );

  env.registerFunction('list.sortBy(ast, ast): list<dyn>', sortByMacro);

  // cel-go math extension.
  const pick = (values: unknown[], greatest: boolean) => {
    if (values.length === 0) return fail('math.greatest/least: no values');
    return values.reduce((best, v) => (compareValues(v, best) * (greatest ? 1 : -1) > 0 ? v : best));
  };
  // cel-go's math.greatest/least are variadic macros; cel-js needs one overload per arity.
  for (const [name, greatest] of [
    ['greatest', true],
    ['least', false],
  ] as const) {
    env.registerFunction(`MathNamespace.${name}(dyn): dyn`, (_ns: unknown, a: unknown) =>
      pick(Array.isArray(a) ? a : [a], greatest),
    );
    for (let arity = 2; arity <= 12; arity++) {
      env.registerFunction(
        `MathNamespace.${name}(${Array.from({ length: arity }, () => 'dyn').join(', ')}): dyn`,
        (_ns: unknown, ...v: unknown[]) => pick(v, greatest),
      );
    }
  }
  const doubleFns: Record<string, (x: number) => unknown> = {
    ceil: Math.ceil,
    floor: Math.floor,
    round: (x) => (x < 0 ? -Math.round(-x) : Math.round(x)),
    trunc: Math.trunc,
    sqrt: Math.sqrt,
    isInf: (x) => x === Number.POSITIVE_INFINITY || x === Number.NEGATIVE_INFINITY,
    isNaN: Number.isNaN,
    isFinite: Number.isFinite,
  };
  for (const [name, fn] of Object.entries(doubleFns)) {
    const ret = name.startsWith('is') ? 'bool' : 'double';
    env.registerFunction(`MathNamespace.${name}(double): ${ret}`, (_ns: unknown, x: number) => fn(x));
  }
  env
    .registerFunction('MathNamespace.sqrt(int): double', (_ns: unknown, x: bigint) => Math.sqrt(Number(x)))
    .registerFunction('MathNamespace.abs(int): int', (_ns: unknown, x: bigint) => (x < 0n ? -x : x))
    .registerFunction('MathNamespace.abs(double): double', (_ns: unknown, x: number) => Math.abs(x))
    .registerFunction('MathNamespace.sign(int): int', (_ns: unknown, x: bigint) =>
      x > 0n ? 1n : x < 0n ? -1n : 0n,
    )
    .registerFunction('MathNamespace.sign(double): double', (_ns: unknown, x: number) => Math.sign(x))
    .registerFunction('MathNamespace.bitAnd(int, int): int', (_ns: unknown, a: bigint, b: bigint) => a & b)
    .registerFunction('MathNamespace.bitOr(int, int): int', (_ns: unknown, a: bigint, b: bigint) => a | b)
    .registerFunction('MathNamespace.bitXor(int, int): int', (_ns: unknown, a: bigint, b: bigint) => a ^ b)
    .registerFunction('MathNamespace.bitNot(int): int', (_ns: unknown, a: bigint) => ~a)
    .registerFunction('MathNamespace.bitShiftLeft(int, int): int', (_ns: unknown, a: bigint, n: bigint) =>
      n < 0n ? fail('bitShiftLeft: negative shift') : BigInt.asIntN(64, a << n),
    )
    .registerFunction('MathNamespace.bitShiftRight(int, int): int', (_ns: unknown, a: bigint, n: bigint) =>
      n < 0n ? fail('bitShiftRight: negative shift') : BigInt.asIntN(64, BigInt.asUintN(64, a) >> n),
    );
  return env;
}
