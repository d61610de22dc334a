import type { SecretStore } from '../types.ts';

/** The per-evaluation context Tekton's functions may read (compareSecret's secrets). */
export interface EvalContext {
  secrets?: SecretStore;
}

/**
 * Set by `evaluate()` for the duration of one evaluation. cel-js hands a function only its
 * arguments, and evaluation is synchronous (no async function is registered), so one slot suffices.
 */
export const evalContext: { current: EvalContext } = { current: {} };
