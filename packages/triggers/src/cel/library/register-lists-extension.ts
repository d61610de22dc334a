import type { Environment } from '@marcbachmann/cel-js';
import { celEquals, compareValues, fail } from './cel-values.ts';
import { sortByMacro } from './sort-by-macro.ts';

function flatten(list: unknown[], depth: number): unknown[] {
  return depth <= 0 ? list : list.flatMap((x) => (Array.isArray(x) ? flatten(x, depth - 1) : [x]));
}

/** The `lists.` namespace: cel-js resolves `lists.fn(…)` as a method on a constant of this type. */
class ListsNamespace {}

/**
 * cel-go's lists extension: `slice`, `flatten`, `sort`, `sortBy`, `distinct`, `reverse`,
 * `lists.range`.
 */
export function registerListsExtension(env: Environment): void {
  env
    .registerType('ListsNamespace', ListsNamespace)
    .registerConstant('lists', 'ListsNamespace', new ListsNamespace());
  env
    .registerFunction('list.slice(int, int): list', (l: unknown[], from: bigint, to: bigint) => {
      if (from < 0n || to < from || to > BigInt(l.length)) return fail('slice: index out of range');
      return l.slice(Number(from), Number(to));
    })
    .registerFunction('list.flatten(): list', (l: unknown[]) => flatten(l, 1))
    .registerFunction('list.flatten(int): list', (l: unknown[], depth: bigint) => {
      if (depth < 0n) return fail('flatten: depth must not be negative');
      return flatten(l, Number(depth));
    })
    .registerFunction('list.sort(): list', (l: unknown[]) => [...l].sort(compareValues))
    .registerFunction('list.distinct(): list', (l: unknown[]) =>
      l.filter((x, i) => l.findIndex((y) => celEquals(x, y)) === i),
    )
    .registerFunction('list.reverse(): list', (l: unknown[]) => [...l].reverse())
    .registerFunction('ListsNamespace.range(int): list<int>', (_ns: unknown, n: bigint) =>
      Array.from({ length: Math.max(0, Number(n)) }, (_v, i) => BigInt(i)),
    );

  env.registerFunction('list.sortBy(ast, ast): list<dyn>', sortByMacro);
}
