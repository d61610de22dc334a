/**
 * The request body cannot be evaluated: not a JSON object (`invalid_body`, HTTP 400) or a content
 * type no sender uses (`unsupported_media_type`, 415). Thrown by `evaluate()` when it parses the
 * body itself; the HTTP edge maps `status`.
 */
export class BodyError extends Error {
  readonly code: 'invalid_body' | 'unsupported_media_type';
  readonly status: 400 | 415;
  constructor(code: BodyError['code'], status: BodyError['status'], message: string) {
    super(message);
    this.name = 'BodyError';
    this.code = code;
    this.status = status;
  }
}
