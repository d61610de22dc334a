import { Environment } from '@marcbachmann/cel-js';
import { registerTektonLibrary } from './tekton-library.ts';

/**
 * A cel-js environment with Tekton's semantics: heterogeneous aggregate literals allowed (as in
 * cel-go), Tekton's function library and the cel-go extensions registered, structural limits
 * kept tight (expressions are config, not programs).
 */
export function createTektonEnvironment(options: { unlistedVariablesAreDyn: boolean }): Environment {
  return registerTektonLibrary(
    new Environment({
      unlistedVariablesAreDyn: options.unlistedVariablesAreDyn,
      homogeneousAggregateLiterals: false,
      limits: { maxAstNodes: 5_000, maxDepth: 100 },
    }),
  );
}
