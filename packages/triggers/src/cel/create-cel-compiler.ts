import type { ASTNode, Environment } from '@marcbachmann/cel-js';
import { CelError } from './cel-error.ts';
import { type EvalContext, evalContext } from './eval-context.ts';
import { overriddenMethods } from './library/overridden-methods.ts';
import { compileRegex, regexProblem } from './regex.ts';

/** An expression parsed, rewritten and type-checked once, evaluated many times. */
export interface CompiledCel<Variables> {
  readonly source: string;
  /** The checked result type (`bool`, `string`, `dyn`, …). */
  readonly type: string;
  /** Throws `CelError` (`CEL_EVAL`); the message never contains values from `variables`. */
  evaluate(variables: Variables, ctx?: EvalContext): unknown;
}

export type CelCompiler<Variables> = (
  expression: string,
  options?: { expect?: 'bool' | 'any' },
) => CompiledCel<Variables>;

/** Expression source is capped: filters are config, not programs. */
const maxSourceLength = 16 * 1024;
const internalPrefix = /__sb_/g;

function isNode(v: unknown): v is ASTNode {
  return typeof v === 'object' && v !== null && 'op' in v && 'args' in v;
}

function walk(node: ASTNode, visit: (node: ASTNode) => void): void {
  visit(node);
  if (node.op === 'value') return;
  const args: unknown = node.args;
  const stack: unknown[] = Array.isArray(args)
    ? [...args]
    : typeof args === 'object' && args !== null
      ? Object.values(args)
      : [];
  while (stack.length > 0) {
    const v = stack.pop();
    if (isNode(v)) walk(v, visit);
    else if (Array.isArray(v)) stack.push(...v);
  }
}

/**
 * Rewrites the parsed expression before it is checked: RE2 `matches()` patterns become their
 * linear-engine JavaScript translation (cel-js builds a RegExp from the literal), and the string
 * methods cel-js implements on UTF-16 units (`indexOf`, `substring`, …) are routed to the
 * code-point versions cel-go specifies. Returns the problems found.
 */
function rewrite(root: ASTNode): string[] {
  const problems: string[] = [];
  walk(root, (node) => {
    let name: string | undefined;
    let pattern: ASTNode | undefined;
    if (node.op === 'rcall') {
      name = node.args[0];
      pattern = node.args[2][0];
      if (overriddenMethods.has(name)) node.args[0] = `__sb_${name}`;
    } else if (node.op === 'call') {
      name = node.args[0];
      pattern = node.args[1][1];
    }
    if ((name !== 'matches' && name !== 'translate') || !pattern) return;
    if (pattern.op !== 'value' || typeof pattern.args !== 'string') {
      // A pattern from the event could be made expensive to translate and compile, per event.
      problems.push(`${name}(): the pattern must be a string literal (event data must never become a regex)`);
      return;
    }
    // matches() only answers yes or no, so its groups need not capture.
    const options = { captures: name !== 'matches' };
    const problem = regexProblem(pattern.args, options);
    if (problem) {
      problems.push(`${name}(${JSON.stringify(pattern.args)}): ${problem}`);
      return;
    }
    // translate() is ours and translates at run time (cached); matches() is cel-js's.
    if (name === 'matches')
      (pattern as { args: string }).args = compileRegex(pattern.args, '', options).source;
  });
  return problems;
}

interface LibraryError {
  code?: string;
  summary?: string;
  message?: string;
  range?: { start: number };
}

/**
 * A CEL error as one line without event data: cel-js quotes some runtime values (a computed map
 * key, the string a conversion failed on), and messages go to logs and HTTP responses.
 */
function describe(err: unknown, source: string): string {
  if (err instanceof CelError) return err.message;
  const e = (err ?? {}) as LibraryError;
  let text = (e.summary ?? String(e.message ?? err).split('\n')[0] ?? '').replace(internalPrefix, '');
  if (e.code === 'no_such_key') {
    const key = text.replace(/^No such key: /, '');
    if (!key.startsWith('index out of bounds') && !source.includes(key))
      text = 'No such key (a key computed from the event)';
  } else if (e.code === 'invalid_duration') text = 'invalid duration string';
  else if (e.code === 'numeric_overflow') text = 'integer overflow';
  else if (text.startsWith('bool() conversion error')) text = 'bool() conversion error: invalid string value';
  // cel-js 8.0.0 says "size undefined" for a list index out of range.
  text = text.replace(/index out of bounds, index (\d+) >= size undefined/, 'list index $1 out of range');
  const at = typeof e.range?.start === 'number' ? ` (at column ${e.range.start + 1})` : '';
  return `${text}${at}`;
}

/**
 * A compiler over `environment` (built once per process): parse, rewrite (`rewrite`), type-check
 * and, for `expect: 'bool'` (filters), require a `bool` or `dyn` result — all at config load.
 * Throws `CelError` with `CEL_PARSE` or `CEL_CHECK`.
 */
export function createCelCompiler<Variables extends object>(
  environment: Environment,
): CelCompiler<Variables> {
  return (expression, options = {}) => {
    if (expression.length > maxSourceLength) {
      throw new CelError(
        'CEL_PARSE',
        `expression is ${expression.length} characters; the limit is ${maxSourceLength}`,
      );
    }
    let fn: ReturnType<Environment['parse']>;
    try {
      fn = environment.parse(expression);
    } catch (err) {
      throw new CelError('CEL_PARSE', describe(err, expression), { cause: err });
    }
    const problems = rewrite(fn.ast);
    if (problems.length > 0) throw new CelError('CEL_CHECK', problems.join('; '));
    const checked = fn.check();
    if (!checked.valid)
      throw new CelError('CEL_CHECK', describe(checked.error, expression), { cause: checked.error });
    const type = checked.type ?? 'dyn';
    if (options.expect === 'bool' && type !== 'bool' && type !== 'dyn') {
      throw new CelError('CEL_CHECK', `a filter must be a bool expression; this one is ${type}`);
    }
    return {
      source: expression,
      type,
      evaluate(variables, ctx = {}) {
        const previous = evalContext.current;
        evalContext.current = ctx;
        try {
          return fn(variables as Record<string, unknown>);
        } catch (err) {
          // No `cause`: the library's error may quote event data, and loggers print cause chains.
          throw new CelError('CEL_EVAL', describe(err, expression));
        } finally {
          evalContext.current = previous;
        }
      },
    };
  };
}
