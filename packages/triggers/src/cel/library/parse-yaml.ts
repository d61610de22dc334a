import { parse as parseYamlText, type Tags } from 'yaml';
import { fail, plainObject } from './cel-values.ts';

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

export function parseYaml(text: string): Record<string, unknown> {
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
