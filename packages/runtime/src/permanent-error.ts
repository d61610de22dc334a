/**
 * A failure retrying cannot fix (invalid payload, 403 from the API, …). Workers built by
 * `createContractWorker` fail the job at once instead of retrying; it lands in the failed set
 * (the dead-letter state), visible and retryable by hand. `code` is upper snake case like every
 * Signalbox error code (`KUBE_403`, `SECRET_MISSING`); an outside system's own code is kept
 * verbatim after the integration's prefix (`SLACK_channel_not_found`), as `signalbox dlq list`
 * shows it.
 */
export class PermanentError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentError';
    this.code = code;
  }
}
