import { CelError } from './cel-error.ts';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * A CEL value as plain JSON, as Tekton converts overlay results: ints (BigInt here) → numbers,
 * bytes → base64 strings, maps and lists recursively. NaN/Infinity and other values JSON cannot
 * hold (NaN, timestamps, durations, types) are an error rather than a silent `null`.
 */
export function celToJson(value: unknown): JsonValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new CelError('CEL_EVAL', `cannot represent ${value} in JSON`);
    return value;
  }
  if (typeof value === 'bigint') {
    const n = Number(value);
    if (!Number.isSafeInteger(n)) throw new CelError('CEL_EVAL', 'integer too large for JSON');
    return n;
  }
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(celToJson);
  if (value instanceof Map) {
    const out: Record<string, JsonValue> = {};
    for (const [k, v] of value) out[String(k)] = celToJson(v);
    return out;
  }
  if (typeof value === 'object' && value.constructor === Object) {
    const out: Record<string, JsonValue> = {};
    for (const [k, v] of Object.entries(value)) out[k] = celToJson(v);
    return out;
  }
  if (typeof value === 'object' && typeof value.valueOf() === 'bigint') {
    // cel-js represents uint as an object wrapping a BigInt.
    return celToJson(value.valueOf());
  }
  // Tekton cannot convert these for an overlay either; string(...) makes them JSON.
  const kind =
    value instanceof Date
      ? 'timestamp'
      : (value as object).constructor?.name === 'Duration'
        ? 'duration'
        : 'type';
  throw new CelError('CEL_EVAL', `cannot represent a CEL ${kind} in JSON; convert it with string(...)`);
}
