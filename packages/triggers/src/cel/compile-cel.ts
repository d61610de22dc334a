import type { SecretStore } from '../types.ts';
import { createCelCompiler } from './create-cel-compiler.ts';
import { createTektonEnvironment } from './create-tekton-environment.ts';

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
  /** Throws `CelError` (`CEL_EVAL`); its message never quotes event data. */
  evaluate(activation: CelActivation, ctx?: { secrets?: SecretStore }): unknown;
}

/**
 * Built once per process. Only Tekton's four variables exist (`unlistedVariablesAreDyn: false`),
 * so a typo such as `bdy.ref` fails at config load, not on the first event.
 */
const compile = createCelCompiler<CelActivation>(
  createTektonEnvironment({ unlistedVariablesAreDyn: false })
    .registerVariable('body', 'map<string, dyn>')
    .registerVariable('header', 'map<string, dyn>')
    .registerVariable('extensions', 'map<string, dyn>')
    .registerVariable('requestURL', 'string'),
);

/**
 * Parses and type-checks `expression` against Tekton's environment, once (at config load).
 * `expect: 'bool'` (filters) also requires a bool (or dyn) result. RE2 patterns of `matches()` /
 * `translate()` must be literals V8's linear engine can run (translated from RE2 syntax).
 * Throws `CelError` with `CEL_PARSE` or `CEL_CHECK`.
 */
export function compileCel(expression: string, options: { expect?: 'bool' | 'any' } = {}): CelProgram {
  return compile(expression, options);
}
