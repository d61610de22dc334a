import type { Environment } from '@marcbachmann/cel-js';
import { compareValues, fail } from './cel-values.ts';

/** The `math.` namespace: cel-js resolves `math.fn(…)` as a method on a constant of this type. */
class MathNamespace {}

/**
 * cel-go's math extension: `math.greatest`/`least` (up to 12 arguments or a list), rounding,
 * `abs`, `sign`, `sqrt`, the `isInf`/`isNaN`/`isFinite` tests and the bit operations.
 */
export function registerMathExtension(env: Environment): void {
  env
    .registerType('MathNamespace', MathNamespace)
    .registerConstant('math', 'MathNamespace', new MathNamespace());
  const pick = (values: unknown[], greatest: boolean) => {
    if (values.length === 0) return fail('math.greatest/least: no values');
    return values.reduce((best, v) => (compareValues(v, best) * (greatest ? 1 : -1) > 0 ? v : best));
  };
  // cel-go's math.greatest/least are variadic macros; cel-js needs one overload per arity.
  for (const [name, greatest] of [
    ['greatest', true],
    ['least', false],
  ] as const) {
    env.registerFunction(`MathNamespace.${name}(dyn): dyn`, (_ns: unknown, a: unknown) =>
      pick(Array.isArray(a) ? a : [a], greatest),
    );
    for (let arity = 2; arity <= 12; arity++) {
      env.registerFunction(
        `MathNamespace.${name}(${Array.from({ length: arity }, () => 'dyn').join(', ')}): dyn`,
        (_ns: unknown, ...v: unknown[]) => pick(v, greatest),
      );
    }
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
}
