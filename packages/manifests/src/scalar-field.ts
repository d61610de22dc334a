import { type Document, isAlias, isScalar, type Scalar, type YAMLMap } from 'yaml';

/**
 * The scalar under `key` in `map`, following an alias to its anchor: editing the anchor is the
 * only way to change what the alias reads without replacing the alias itself.
 */
export function scalarField(map: YAMLMap, key: string, doc: Document): Scalar | undefined {
  const pair = map.items.find((item) => isScalar(item.key) && item.key.value === key);
  const node = isAlias(pair?.value) ? pair.value.resolve(doc) : pair?.value;
  return isScalar(node) ? node : undefined;
}
