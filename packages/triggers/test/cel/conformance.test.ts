import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createCelCompiler } from '../../src/cel/create-cel-compiler.ts';
import { createTektonEnvironment } from '../../src/cel/create-tekton-environment.ts';

/**
 * cel-spec's conformance subset (shared fixtures) as a regression suite: today's failures are
 * listed in cel-spec-known-failures.json; any other case that fails, fails the build. A case
 * that starts passing is reported so the list can shrink.
 */
type Tagged = Record<string, unknown>;
interface Case {
  name: string;
  category: string;
  expr: string;
  bindings: Record<string, Tagged>;
  expect: { value?: Tagged; error?: boolean };
  disable_check?: boolean;
}

const cases = JSON.parse(
  readFileSync(new URL('../fixtures/cel-spec-subset.json', import.meta.url), 'utf8'),
) as Case[];
const knownFailures = new Set(
  JSON.parse(
    readFileSync(new URL('../fixtures/cel-spec-known-failures.json', import.meta.url), 'utf8'),
  ) as string[],
);
const env = createTektonEnvironment({ unlistedVariablesAreDyn: true });
// The production path (rewrites, overrides, check); cases marked disable_check skip the checker.
const compile = createCelCompiler<Record<string, unknown>>(env);

function decode(t: Tagged): unknown {
  const [tag, v] = Object.entries(t)[0] ?? [];
  switch (tag) {
    case 'int':
      return BigInt(v as string);
    case 'uint':
      return env.evaluate(`${v as string}u`);
    case 'double':
      return v === 'NaN'
        ? Number.NaN
        : v === 'Infinity'
          ? Infinity
          : v === '-Infinity'
            ? -Infinity
            : v === '-0'
              ? -0
              : v;
    case 'string':
    case 'bool':
      return v;
    case 'bytes':
      return new Uint8Array(Buffer.from(v as string, 'base64'));
    case 'null':
      return null;
    case 'list':
      return (v as Tagged[]).map(decode);
    case 'map':
      return new Map((v as [Tagged, Tagged][]).map(([k, x]) => [decode(k), decode(x)]));
    default:
      return env.evaluate(
        tag === 'timestamp' ? `timestamp('${v}')` : tag === 'duration' ? `duration('${v}')` : `${v}`,
      );
  }
}

/** Canonical text of a value with its CEL type, so int 1, uint 1 and double 1 differ. */
function canon(v: unknown): string {
  if (typeof v === 'bigint') return `int:${v}`;
  if (typeof v === 'number') return `double:${Object.is(v, -0) ? '-0' : v}`;
  if (typeof v === 'string') return `string:${JSON.stringify(v)}`;
  if (typeof v === 'boolean') return `bool:${v}`;
  if (v === null) return 'null';
  if (v instanceof Uint8Array) return `bytes:${Buffer.from(v).toString('hex')}`;
  if (Array.isArray(v)) return `list:[${v.map(canon).join(',')}]`;
  const entries =
    v instanceof Map ? [...v.entries()] : v && v.constructor === Object ? Object.entries(v) : undefined;
  if (entries)
    return `map:{${entries
      .map(([k, x]) => `${canon(k)}=${canon(x)}`)
      .sort()
      .join(',')}}`;
  if (v instanceof Date) return `timestamp:${v.toISOString()}`;
  if (typeof v === 'object' && v && typeof v.valueOf() === 'bigint') return `uint:${v.valueOf()}`;
  return `${(v as object)?.constructor?.name}:${String(v)}`;
}

function passes(c: Case): boolean {
  try {
    const bindings = Object.fromEntries(Object.entries(c.bindings).map(([k, t]) => [k, decode(t)]));
    const result = c.disable_check ? env.evaluate(c.expr, bindings) : compile(c.expr).evaluate(bindings);
    if (c.expect.error) return false;
    return c.expect.value !== undefined && canon(result) === canon(decode(c.expect.value));
  } catch {
    return c.expect.error === true;
  }
}

describe('cel-spec conformance subset', () => {
  const failures = cases.filter((c) => !passes(c)).map((c) => c.name);
  // After a deliberate change (e.g. a cel-js upgrade): UPDATE_CEL_KNOWN_FAILURES=1 npx vitest run conformance
  if (process.env.UPDATE_CEL_KNOWN_FAILURES) {
    writeFileSync(
      new URL('../fixtures/cel-spec-known-failures.json', import.meta.url),
      `${JSON.stringify(failures, null, 1)}\n`,
    );
  }

  it('fails no case that is not a known failure', () => {
    const bySection = new Map<string, [number, number]>();
    for (const c of cases) {
      const section = c.name.split('/').slice(0, 2).join('/');
      const [p, n] = bySection.get(section) ?? [0, 0];
      bySection.set(section, [p + (failures.includes(c.name) ? 0 : 1), n + 1]);
    }
    const lines = [...bySection].map(([k, [p, n]]) => `  ${p === n ? ' ' : '✗'} ${k} ${p}/${n}`);
    console.info(`cel-spec: ${cases.length - failures.length}/${cases.length} pass\n${lines.join('\n')}`);
    expect(failures.filter((name) => !knownFailures.has(name))).toEqual([]);
    // The floor measured with @marcbachmann/cel-js 8.0.0 and this adapter (89.4 % of core cases before it; 1028 of 1133 after).
    expect(cases.length - failures.length).toBeGreaterThanOrEqual(1028);
  });

  it('keeps the known-failure list honest (no case listed that now passes)', () => {
    expect([...knownFailures].filter((name) => !failures.includes(name))).toEqual([]);
  });
});
