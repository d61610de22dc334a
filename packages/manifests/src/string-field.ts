import type { Document, YAMLMap } from 'yaml';
import { scalarField } from './scalar-field.ts';

/** The value under `key` when it is a string; names and repositories only match as strings. */
export function stringField(map: YAMLMap, key: string, doc: Document): string | undefined {
  const value = scalarField(map, key, doc)?.value;
  return typeof value === 'string' ? value : undefined;
}
