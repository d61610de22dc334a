import { CelError } from '../cel-error.ts';
import { compareValues, fail } from './cel-values.ts';

/** The parts of cel-js's macro interface (documented on `registerFunction`) that sortBy uses. */
interface MacroNode {
  op: string;
  args: unknown;
}
interface MacroType {
  kind: string;
  valueType?: MacroType;
}
interface MacroScope {
  forkWithVariable(name: string, type: MacroType): MacroScope;
  reuse(parent: MacroScope): MacroScope;
  setIterValue(value: unknown, evaluator: unknown): MacroScope;
}
interface SortBy {
  receiver: MacroNode;
  variable: string;
  key: MacroNode;
  scope?: MacroScope;
}

/**
 * cel-go's `list.sortBy(x, keyExpr)` (lists extension): a macro, since `keyExpr` is evaluated
 * per element with `x` bound; a stable sort by the keys, which must be comparable.
 */
export function sortByMacro({ args, receiver }: { args: MacroNode[]; receiver: MacroNode }) {
  const [variable, key] = args;
  if (variable?.op !== 'id' || typeof variable.args !== 'string' || !key)
    throw new CelError('CEL_PARSE', 'sortBy(var, key): the first argument must be a variable name');
  const macro: SortBy = { receiver, variable: variable.args, key };
  return {
    ...macro,
    typeCheck(
      checker: {
        check(node: MacroNode, scope: MacroScope): MacroType;
        registry: { getType(n: string): MacroType };
      },
      m: SortBy,
      scope: MacroScope,
    ) {
      const listType = checker.check(m.receiver, scope);
      const dyn = checker.registry.getType('dyn');
      m.scope = scope.forkWithVariable(
        m.variable,
        listType.kind === 'list' ? (listType.valueType ?? dyn) : dyn,
      );
      checker.check(m.key, m.scope);
      return listType.kind === 'list' ? listType : checker.registry.getType('list<dyn>');
    },
    evaluate(evaluator: { run(node: MacroNode, scope: MacroScope): unknown }, m: SortBy, scope: MacroScope) {
      const list = evaluator.run(m.receiver, scope);
      if (!Array.isArray(list)) return fail('sortBy: the receiver is not a list');
      const inner = m.scope as MacroScope;
      const keyed = list.map((item) => ({
        item,
        key: evaluator.run(m.key, inner.reuse(scope).setIterValue(item, evaluator)),
      }));
      return keyed.sort((a, b) => compareValues(a.key, b.key)).map((k) => k.item);
    },
  };
}
