import type { Environment } from '@marcbachmann/cel-js';
import { celEquals } from './cel-values.ts';

/** The `sets.` namespace: cel-js resolves `sets.fn(…)` as a method on a constant of this type. */
class SetsNamespace {}

/**
 * cel-go's sets extension: `sets.contains`, `sets.equivalent`, `sets.intersects` (heterogeneous
 * numeric equality, as CEL's `==`).
 */
export function registerSetsExtension(env: Environment): void {
  env
    .registerType('SetsNamespace', SetsNamespace)
    .registerConstant('sets', 'SetsNamespace', new SetsNamespace());
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
}
