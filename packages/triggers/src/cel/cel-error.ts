/**
 * A CEL problem: `CEL_PARSE` / `CEL_CHECK` are found when config loads; `CEL_EVAL` when an event
 * is evaluated. Messages never contain payload values (they go to logs and HTTP responses).
 */
export class CelError extends Error {
  readonly code: 'CEL_PARSE' | 'CEL_CHECK' | 'CEL_EVAL';
  constructor(code: CelError['code'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CelError';
    this.code = code;
  }
}
