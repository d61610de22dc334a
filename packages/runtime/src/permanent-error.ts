/**
 * A failure retrying cannot fix (invalid payload, 403 from the API, …). Workers built by
 * `createContractWorker` fail the job at once instead of retrying; it lands in the failed set
 * (the dead-letter state), visible and retryable by hand.
 */
export class PermanentError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentError';
    this.code = code;
  }
}
