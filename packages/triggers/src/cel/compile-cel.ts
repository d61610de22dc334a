import type { ASTNode, Environment } from '@marcbachmann/cel-js';
import type { SecretStore } from '../types.ts';
import { CelError } from './cel-error.ts';
import { createTektonEnvironment } from './create-tekton-environment.ts';
import { regexProblem } from './regex.ts';
import { currentContext } from './tekton-library.ts';

/** The variables Tekton's CEL interceptor declares (tekton-triggers reference §6.1). */
export interface CelActivation {
  body: unknown;
  /** Canonical header names → list of values (`toHeaderMap`). */
  header: Record<string, string[]>;
  extensions: Record<string, unknown>;
  /** Path + query as received. */
  requestURL: string;
}

/** An expression compiled and type-checked once, evaluated per event. */
export interface CelProgram {
  readonly source: string;
  /** The checked result type (`bool`, `string`, `dyn`, …). */
  readonly type: string;
  evaluate(activation: CelActivation, ctx?: { secrets?: SecretStore }): unknown;
}

/**
 * Built once per process. Only Tekton's four variables exist (`unlistedVariablesAreDyn: false`),
 * so a typo such as `bdy.ref` fails at config load, not on the first event.
 */
const environment = createTektonEnvironment({ unlistedVariablesAreDyn: false })
  .registerVariable('body', 'map<string, dyn>')
  .registerVariable('header', 'map<string, dyn>')
  .registerVariable('extensions', 'map<string, dyn>')
  .registerVariable('requestURL', 'string');

/** Expression source is capped: filters are config, not programs. */
const maxSourceLength = 16 * 1024;

function firstLine(err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n')[0] ?? '';
}

/** `matches()`/`translate()` patterns must be literals the linear engine can run. */
function lintRegexes(node: ASTNode, problems: string[]): void {
  if (node.op === 'rcall') {
    const [name, , args] = node.args;
    const patternArg = name === 'matches' ? args[0] : name === 'translate' ? args[0] : undefined;
    if (patternArg) {
      if (patternArg.op !== 'value' || typeof patternArg.args !== 'string') {
        problems.push(
          `${name}(): the pattern must be a string literal (event data must never become a regex)`,
        );
      } else {
        const problem = regexProblem(patternArg.args);
        if (problem) problems.push(`${name}(${JSON.stringify(patternArg.args)}): ${problem}`);
      }
    }
  }
  if (node.op === 'call' && node.args[0] === 'matches') {
    problems.push('matches(): use the method form s.matches("literal")');
  }
  const args: unknown = node.args;
  const visit = (v: unknown) => {
    if (v && typeof v === 'object' && 'op' in v && 'args' in v) lintRegexes(v as ASTNode, problems);
    else if (Array.isArray(v)) v.forEach(visit);
  };
  if (Array.isArray(args)) args.forEach(visit);
}

/**
 * Parses and type-checks `expression` against Tekton's environment. `expect: 'bool'` (filters)
 * also requires a bool (or dyn) result. Throws `CelError` with `CEL_PARSE` or `CEL_CHECK`.
 */
export function compileCel(expression: string, options: { expect?: 'bool' | 'any' } = {}): CelProgram {
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
    throw new CelError('CEL_PARSE', firstLine(err), { cause: err });
  }
  const checked = environment.check(expression);
  if (!checked.valid) throw new CelError('CEL_CHECK', firstLine(checked.error), { cause: checked.error });
  const type = checked.type ?? 'dyn';
  if (options.expect === 'bool' && type !== 'bool' && type !== 'dyn') {
    throw new CelError('CEL_CHECK', `a filter must be a bool expression; this one is ${type}`);
  }
  const problems: string[] = [];
  lintRegexes(fn.ast, problems);
  if (problems.length > 0) throw new CelError('CEL_CHECK', problems.join('; '));
  return {
    source: expression,
    type,
    evaluate(activation, ctx = {}) {
      currentContext.value = ctx;
      try {
        return fn(activation);
      } catch (err) {
        if (err instanceof CelError) throw err;
        throw new CelError('CEL_EVAL', firstLine(err), { cause: err });
      } finally {
        currentContext.value = {};
      }
    },
  };
}
