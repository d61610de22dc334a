import type { HttpErrorSpec } from './http-errors.ts';

/**
 * A request refused at the HTTP edge before the intake saw it (authentication gate, size, time,
 * capacity), as one entry of `httpErrors`. `code` is the `error` of the JSON answer; the Fastify
 * error handler maps it.
 */
export class RequestError extends Error {
  readonly statusCode: number;
  readonly code: string;
  /** Seconds the sender should wait before trying again (503 at capacity). */
  readonly retryAfter?: number;
  constructor(spec: HttpErrorSpec, message: string = spec.message, options: { retryAfter?: number } = {}) {
    super(message);
    this.name = 'RequestError';
    this.statusCode = spec.status;
    this.code = spec.code;
    if (options.retryAfter !== undefined) this.retryAfter = options.retryAfter;
  }
}
