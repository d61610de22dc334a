import { parse, Scalar } from 'yaml';

function loadsAsSameString(source: string, version: '1.1' | '1.2'): boolean {
  try {
    return parse(source, { version }) === source;
  } catch {
    return false;
  }
}

/**
 * The source text for `value` written in the style of the scalar it replaces. A plain scalar stays
 * plain only if YAML 1.1 (what Kubernetes' go-yaml speaks) and 1.2 both still read it as this very
 * string: `1.10`, `010`, `on`, `2024-01-01` or `1_000` would load as numbers, booleans or dates, so
 * they are double-quoted instead. Quoted scalars keep their quote style.
 */
export function renderScalar(value: string, style: Scalar.Type | undefined): string {
  if (style === Scalar.QUOTE_SINGLE) return `'${value.replaceAll("'", "''")}'`;
  // JSON's escaping is valid YAML double-quoted text, and exactly right for .json files.
  if (style === Scalar.QUOTE_DOUBLE) return JSON.stringify(value);
  const plainSafe =
    /^[A-Za-z0-9_./][A-Za-z0-9_./:@-]*$/.test(value) &&
    loadsAsSameString(value, '1.1') &&
    loadsAsSameString(value, '1.2');
  return plainSafe ? value : JSON.stringify(value);
}
