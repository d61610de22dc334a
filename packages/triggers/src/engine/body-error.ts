/**
 * The request body cannot be evaluated: not a JSON object (`INVALID_BODY`) or a content type no
 * sender uses (`UNSUPPORTED_MEDIA_TYPE`). Thrown by `evaluate()` when it parses the body itself.
 * It says nothing about HTTP: the listener's error catalogue (`httpErrors`) maps the code to a
 * status and the `error` of its answer.
 */
export class BodyError extends Error {
  readonly code: 'INVALID_BODY' | 'UNSUPPORTED_MEDIA_TYPE';
  constructor(code: BodyError['code'], message: string) {
    super(message);
    this.name = 'BodyError';
    this.code = code;
  }
}
