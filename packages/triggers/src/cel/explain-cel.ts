import type { ASTNode } from '@marcbachmann/cel-js';
import { celToJson, type JsonValue } from './cel-to-json.ts';
import { type CelActivation, compileCel } from './compile-cel.ts';
import { createTektonEnvironment } from './create-tekton-environment.ts';
import type { EvalContext } from './eval-context.ts';

/** One sub-expression of a CEL expression and what it gave against one activation. */
export interface CelExplanation {
  /** The sub-expression's source text, as written in the expression. */
  readonly source: string;
  /** Its value as JSON, when it evaluated to something JSON can hold. */
  readonly value?: JsonValue;
  /** Why it did not evaluate (the same message a filter error carries), or why the value is not shown. */
  readonly error?: string;
  /** The clauses it is made of: operands of `&&`, `||`, `!`, `?:` and of comparisons. */
  readonly children: readonly CelExplanation[];
}

/** Operators whose operands are clauses worth a line of their own. */
const connectives = new Set(['&&', '||', '!_', '?:']);
const comparisons = new Set(['==', '!=', '<', '<=', '>', '>=', 'in']);

// Only used to find where each sub-expression starts and ends in the source: every value shown is
// computed by `compileCel`, the filter's own compiler and evaluator.
let locator: ReturnType<typeof createTektonEnvironment> | undefined;

function operandsOf(node: ASTNode): ASTNode[] {
  if (node.op === '!_') return [node.args];
  if (connectives.has(node.op) || comparisons.has(node.op)) return node.args as ASTNode[];
  return [];
}

/** Unmatched `)` and `(` in `text`, string literals skipped. */
function unmatchedParens(text: string): { close: number; open: number } {
  let close = 0;
  let open = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"' || c === "'") {
      for (i++; i < text.length && text[i] !== c; i++) if (text[i] === '\\') i++;
    } else if (c === '(') open++;
    else if (c === ')') {
      if (open > 0) open--;
      else close++;
    }
  }
  return { close, open };
}

/**
 * A node's source text. cel-js starts a binary node at its left operand's first token, inside that
 * operand's parentheses (`(a || b) && c` starts at `a`), so the text is widened to balance them.
 */
function sourceOf(node: ASTNode, input: string): string {
  let start = node.start;
  let end = node.end;
  let { close, open } = unmatchedParens(input.slice(start, end));
  while (close > 0 && start > 0) {
    const c = input[--start];
    close += c === ')' ? 1 : c === '(' ? -1 : 0;
  }
  while (open > 0 && end < input.length) {
    const c = input[end++];
    open += c === '(' ? 1 : c === ')' ? -1 : 0;
  }
  return input.slice(start, end).trim();
}

function evaluateSource(source: string, activation: CelActivation, ctx: EvalContext) {
  // A sub-expression that does not compile alone (a macro's loop variable) is left out.
  let program: ReturnType<typeof compileCel>;
  try {
    program = compileCel(source, { expect: 'any' });
  } catch {
    return undefined;
  }
  try {
    return { value: celToJson(program.evaluate(activation, ctx)) };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

function explainNode(
  node: ASTNode,
  input: string,
  activation: CelActivation,
  ctx: EvalContext,
): CelExplanation | undefined {
  const source = sourceOf(node, input);
  const outcome = evaluateSource(source, activation, ctx);
  if (!outcome) return undefined;
  const children: CelExplanation[] = [];
  for (const operand of operandsOf(node)) {
    // Literals explain nothing: `'refs/heads/main'` is `'refs/heads/main'`.
    if (operand.op === 'value') continue;
    const child = explainNode(operand, input, activation, ctx);
    if (child) children.push(child);
  }
  return { source, ...outcome, children };
}

/**
 * Explains a CEL expression against one activation: the expression's value and, recursively, the
 * value of each clause it is built from (operands of `&&`, `||`, `!`, `?:` and comparisons), so a
 * filter that returned false shows which clause did. Each sub-expression is compiled and evaluated
 * by `compileCel`, the engine the cel interceptor runs — never a second evaluator. Throws
 * `CelError` when `expression` itself does not compile.
 */
export function explainCel(
  expression: string,
  activation: CelActivation,
  ctx: EvalContext = {},
): CelExplanation {
  compileCel(expression, { expect: 'any' });
  locator ??= createTektonEnvironment({ unlistedVariablesAreDyn: true });
  const root = locator.parse(expression).ast;
  return (
    explainNode(root, expression, activation, ctx) ?? {
      source: expression,
      error: 'not evaluated',
      children: [],
    }
  );
}
