import { createHash, timingSafeEqual } from 'node:crypto';
import type { Environment } from '@marcbachmann/cel-js';
import { parse as parseYamlText } from 'yaml';
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

/** Set by `evaluate()` for the duration of one synchronous evaluation. */
export const currentContext: { value: EvalContext } = { value: {} };

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
  const secret = currentContext.value.secrets?.read(name, key);
  if (secret === undefined) return fail(`compareSecret: secret ${name}/${key} not found`);
  return constantTimeEqual(value, secret);
}

function parseUrl(text: string): Record<string, unknown> {
  const m =
    /^(?:([A-Za-z][A-Za-z0-9+.-]*):)?(?:\/\/(?:([^@/?#]*)@)?([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/.exec(
      text,
    );
  if (!m) return fail('parseURL: invalid URL');
  const [, scheme = '', userinfo, host = '', path = '', rawQuery = '', fragment = ''] = m;
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s.replace(/\+/g, ' '));
    } catch {
      return fail('parseURL: invalid percent-encoding');
    }
  };
  const queryStrings: Record<string, string[]> = {};
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const k = decode(eq < 0 ? part : part.slice(0, eq));
    (queryStrings[k] ??= []).push(eq < 0 ? '' : decode(part.slice(eq + 1)));
  }
  const query = Object.fromEntries(Object.entries(queryStrings).map(([k, v]) => [k, v.join(',')]));
  const out: Record<string, unknown> = {
    scheme,
    host,
    path: decode(path.replace(/\+/g, '%2B')),
    rawQuery,
    fragment: decode(fragment.replace(/\+/g, '%2B')),
    query,
    queryStrings,
  };
  if (userinfo !== undefined) {
    const colon = userinfo.indexOf(':');
    out.auth = {
      username: decode(colon < 0 ? userinfo : userinfo.slice(0, colon)),
      password: colon < 0 ? '' : decode(userinfo.slice(colon + 1)),
    };
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

function base64Decode(text: string): Uint8Array {
  const clean = text.replace(/=+$/, '');
  if (!/^[A-Za-z0-9+/]*$/.test(clean) || clean.length % 4 === 1)
    return fail('base64.decode: illegal base64 data');
  return new Uint8Array(Buffer.from(clean, 'base64'));
}

function toNumber(v: unknown): number {
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number') return v;
  return fail('expected a number');
}

function compareValues(a: unknown, b: unknown): number {
  if ((typeof a === 'number' || typeof a === 'bigint') && (typeof b === 'number' || typeof b === 'bigint')) {
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
  if ((typeof a === 'number' || typeof a === 'bigint') && (typeof b === 'number' || typeof b === 'bigint')) {
    return toNumber(a) === toNumber(b);
  }
  return goJson(celToJson(a), true) === goJson(celToJson(b), true);
}

function formatString(template: string, args: unknown[]): string {
  let i = 0;
  return template.replace(
    /%(%|(?:\.(\d+))?([sdfeoxXbv]))/g,
    (_m, tok: string, precision?: string, verb?: string) => {
      if (tok === '%') return '%';
      if (i >= args.length) return fail('format: not enough arguments');
      const arg = args[i++];
      switch (verb) {
        case 's':
        case 'v':
          return typeof arg === 'string' ? arg : goJson(celToJson(arg));
        case 'd':
          return String(typeof arg === 'bigint' ? arg : Math.trunc(toNumber(arg)));
        case 'f':
          return toNumber(arg).toFixed(precision === undefined ? 6 : Number(precision));
        case 'e':
          return toNumber(arg).toExponential(precision === undefined ? 6 : Number(precision));
        case 'x':
        case 'X': {
          const hex =
            typeof arg === 'string' ? Buffer.from(arg).toString('hex') : BigInt(toNumber(arg)).toString(16);
          return verb === 'X' ? hex.toUpperCase() : hex;
        }
        case 'o':
          return BigInt(toNumber(arg)).toString(8);
        default:
          return BigInt(toNumber(arg)).toString(2);
      }
    },
  );
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
      } catch (err) {
        return fail(`parseJSON: ${(err as Error).message}`);
      }
      return plainObject(value) ? value : fail('parseJSON: value is not a JSON object');
    })
    .registerFunction('string.parseYAML(): map<string, dyn>', (s: string) => {
      let value: unknown;
      try {
        value = parseYamlText(s, { version: '1.1' });
      } catch (err) {
        return fail(`parseYAML: ${(err as Error).message.split('\n')[0]}`);
      }
      return plainObject(value)
        ? JSON.parse(JSON.stringify(value))
        : fail('parseYAML: document is not a map');
    })
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
      s.split(a).join(b),
    )
    .registerFunction(
      'string.replace(string, string, int): string',
      (s: string, a: string, b: string, n: bigint) => {
        if (n < 0n) return s.split(a).join(b);
        const parts = s.split(a);
        const k = Number(n);
        return parts.length - 1 <= k
          ? parts.join(b)
          : parts.slice(0, k + 1).join(b) + a + parts.slice(k + 1).join(a);
      },
    )
    .registerFunction('string.reverse(): string', (s: string) => [...s].reverse().join(''))
    .registerFunction('string.format(list): string', (s: string, args: unknown[]) => formatString(s, args))
    .registerFunction('StringsNamespace.quote(string): string', (_ns: unknown, s: string) =>
      JSON.stringify(s),
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

  // cel-go math extension.
  const pick = (values: unknown[], greatest: boolean) => {
    if (values.length === 0) return fail('math.greatest/least: no values');
    return values.reduce((best, v) => (compareValues(v, best) * (greatest ? 1 : -1) > 0 ? v : best));
  };
  for (const [name, greatest] of [
    ['greatest', true],
    ['least', false],
  ] as const) {
    env.registerFunction(`MathNamespace.${name}(dyn): dyn`, (_ns: unknown, a: unknown) =>
      pick(Array.isArray(a) ? a : [a], greatest),
    );
    env.registerFunction(`MathNamespace.${name}(dyn, dyn): dyn`, (_ns: unknown, ...v: unknown[]) =>
      pick(v, greatest),
    );
    env.registerFunction(`MathNamespace.${name}(dyn, dyn, dyn): dyn`, (_ns: unknown, ...v: unknown[]) =>
      pick(v, greatest),
    );
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
