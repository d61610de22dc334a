import type { Environment } from '@marcbachmann/cel-js';
import { registerConversions } from './library/register-conversions.ts';
import { registerEncodersExtension } from './library/register-encoders-extension.ts';
import { registerListsExtension } from './library/register-lists-extension.ts';
import { registerMathExtension } from './library/register-math-extension.ts';
import { registerSetsExtension } from './library/register-sets-extension.ts';
import { registerStringsExtension } from './library/register-strings-extension.ts';
import { registerTektonFunctions } from './library/register-tekton-functions.ts';

/**
 * Registers Tekton Triggers' CEL function library and the cel-go extension libraries Tekton
 * enables (strings, encoders, sets, lists, math) on `env`, with Tekton's semantics
 * (tekton-triggers reference §6). Built-ins cel-js already has are not re-registered.
 */
export function registerTektonLibrary(env: Environment): Environment {
  registerTektonFunctions(env);
  registerConversions(env);
  registerEncodersExtension(env);
  registerStringsExtension(env);
  registerSetsExtension(env);
  registerListsExtension(env);
  registerMathExtension(env);
  return env;
}
