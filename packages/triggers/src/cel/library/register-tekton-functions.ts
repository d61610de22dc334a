import type { Environment } from '@marcbachmann/cel-js';
import { canonicalHeaderName } from '../../http/canonical-header-name.ts';
import { constantTimeEqual } from '../../interceptors/constant-time-equal.ts';
import { celToJson } from '../cel-to-json.ts';
import { evalContext } from '../eval-context.ts';
import { goJson } from '../go-json.ts';
import { compileRegex } from '../regex.ts';
import { fail, plainObject } from './cel-values.ts';
import { parseUrl } from './parse-url.ts';
import { parseYaml } from './parse-yaml.ts';

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

function compareSecret(value: string, key: string, name: string): boolean {
  const secret = evalContext.current.secrets?.read(name, key);
  if (secret === undefined) return fail(`compareSecret: secret ${name}/${key} not found`);
  return constantTimeEqual(value, secret);
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

/**
 * Tekton Triggers' own CEL functions (tekton-triggers reference §6.2): `match`, `canonical`,
 * `truncate` (bytes), `compareSecret`, `parseJSON`, `parseYAML`, `parseURL`, `marshalJSON`,
 * `first`, `last`, `translate`.
 */
export function registerTektonFunctions(env: Environment): void {
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
}
