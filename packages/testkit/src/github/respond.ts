import type { ServerResponse } from 'node:http';

/** Where GitHub's error bodies point; the fake uses the REST root for all of them. */
export const docsUrl = 'https://docs.github.com/rest';

/** Writes a JSON body (headers set earlier with `setHeader`, e.g. rate limits, are kept). */
export function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res
    .writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers })
    .end(JSON.stringify(body));
}

/** GitHub's error shape: `{message, documentation_url, status}` (status as a string, as GitHub sends it). */
export function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): void {
  send(res, status, { message, ...extra, documentation_url: docsUrl, status: String(status) }, headers);
}

/** One entry of a 422's `errors` array. */
export interface ValidationError {
  readonly resource: string;
  readonly code: 'missing_field' | 'invalid' | 'custom' | 'already_exists' | 'missing';
  readonly field?: string;
  readonly message?: string;
}

/** 422 `Validation Failed` with its `errors`, which octokit users read from `response.data.errors`. */
export function validationFailed(res: ServerResponse, ...errors: ValidationError[]): void {
  sendError(res, 422, 'Validation Failed', { errors });
}

export function notFound(res: ServerResponse): void {
  sendError(res, 404, 'Not Found');
}

/** GitHub's timestamps: ISO 8601 in UTC without milliseconds. */
export function timestamp(ms: number = Date.now()): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
