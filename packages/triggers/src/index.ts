export { parseBindingValue, resolveBindingValue } from './bindings/binding-value.ts';
export { CelError } from './cel/cel-error.ts';
export { celToJson, type JsonValue } from './cel/cel-to-json.ts';
export { type CelActivation, type CelProgram, compileCel } from './cel/compile-cel.ts';
export { createTektonEnvironment } from './cel/create-tekton-environment.ts';
export { type CelExplanation, explainCel } from './cel/explain-cel.ts';
export { goJson } from './cel/go-json.ts';
export {
  compileNotificationCondition,
  type NotificationCondition,
} from './config/compile-notification-condition.ts';
export {
  formatIssue,
  type ListenerModel,
  type LoadedConfig,
  type LoadResult,
} from './config/config-model.ts';
export {
  type ListenerAuthentication,
  listenerAuthentication,
} from './config/listener-authentication.ts';
export { loadConfig } from './config/load-config.ts';
export { parseMinAge } from './config/parse-min-age.ts';
export { defaultCommitAuthor, type ImageUpdatePolicySpec } from './config/schemas.ts';
export { BodyError } from './engine/body-error.ts';
export {
  createTriggerEngine,
  type RenderLimits,
  type TriggerEngine,
  type TriggerEngineDeps,
} from './engine/create-trigger-engine.ts';
export { loadAndWatchConfig } from './engine/load-and-watch-config.ts';
export { type ParsedBody, parseBody } from './engine/parse-body.ts';
export type { PreAuthentication } from './engine/pre-authenticate.ts';
export { watchConfig } from './engine/watch-config.ts';
export {
  classifyGitHubError,
  type GitHubCallContext,
  type GitHubFailure,
} from './github/classify-github-error.ts';
export {
  createGitHubClient,
  type GitHubClient,
  type GitHubClientOptions,
} from './github/create-github-client.ts';
export { type OctokitGitHubFilesOptions, octokitGitHubFiles } from './github/octokit-github-files.ts';
export { canonicalHeaderName } from './http/canonical-header-name.ts';
export { toHeaderMap } from './http/to-header-map.ts';
export type { BodySignatureVerifier } from './interceptors/body-signature-verifier.ts';
export { constantTimeEqual } from './interceptors/constant-time-equal.ts';
export { harborEventTypes } from './interceptors/harbor-event-types.ts';
export {
  type HarborPayloadView,
  normalizeHarborPayload,
} from './interceptors/normalize-harbor-payload.ts';
export { UpstreamUnavailableError } from './interceptors/upstream-unavailable-error.ts';
export { fileSecretStore } from './secrets/file-secret-store.ts';
export { concurrencyFromAnnotations } from './templates/concurrency-from-annotations.ts';
export type * from './types.ts';
