import { CelError } from '../cel-error.ts';
import { celToJson } from '../cel-to-json.ts';
import { goJson } from '../go-json.ts';

// The value helpers every part of the library shares (one module rather than six one-liners).

/** Throws the evaluation error a library function reports. */
export const fail = (message: string): never => {
  throw new CelError('CEL_EVAL', message);
};

/** A CEL map as cel-js hands it over for JSON data: a plain object (not a list or bytes). */
export function plainObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array)
  );
}

/** A CEL int, uint or double as a JS number (for math on mixed numeric types). */
export function toNumber(v: unknown): number {
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number') return v;
  // cel-js's uint is an object wrapping a BigInt.
  if (typeof v === 'object' && v !== null && typeof v.valueOf() === 'bigint') return Number(v.valueOf());
  return fail('expected a number');
}

/** int (BigInt), uint (object wrapping a BigInt) or double. */
export function isNumeric(v: unknown): boolean {
  return (
    typeof v === 'number' ||
    typeof v === 'bigint' ||
    (typeof v === 'object' && v !== null && typeof v.valueOf() === 'bigint')
  );
}

/** CEL ordering for sort/sortBy/greatest: numbers across int/uint/double, strings, bools; else an error. */
export function compareValues(a: unknown, b: unknown): number {
  if (isNumeric(a) && isNumeric(b)) {
    return toNumber(a) - toNumber(b);
  }
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  return fail('sort: list elements must be comparable values of one type');
}

/** CEL equality with heterogeneous numbers (`1 == 1.0`), structural for lists and maps. */
export function celEquals(a: unknown, b: unknown): boolean {
  if (isNumeric(a) && isNumeric(b)) {
    return toNumber(a) === toNumber(b);
  }
  return goJson(celToJson(a), true) === goJson(celToJson(b), true);
}
