export { CelError } from './cel/cel-error.ts';
export { celToJson, type JsonValue } from './cel/cel-to-json.ts';
export { type CelActivation, type CelProgram, compileCel } from './cel/compile-cel.ts';
export { goJson } from './cel/go-json.ts';
export { canonicalHeaderName } from './http/canonical-header-name.ts';
export { toHeaderMap } from './http/to-header-map.ts';
export { fileSecretStore } from './secrets/file-secret-store.ts';
export type * from './types.ts';
