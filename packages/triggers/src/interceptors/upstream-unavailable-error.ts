/**
 * An interceptor's outside call (the GitHub API) failed transiently, even after its retries:
 * the trigger cannot be decided now. Not a verdict — the listener answers 503 and records
 * nothing, so the sender's redelivery (or `signalbox deliveries recover`) decides it later.
 */
export class UpstreamUnavailableError extends Error {
  readonly code = 'upstream_unavailable';
  override readonly name = 'UpstreamUnavailableError';
}
