import type { IncomingMessage, ServerResponse } from 'node:http';

/** What a REST handler gets: the exchange, the parsed JSON body and the caller's login. */
export interface RestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  /** The fake's origin, e.g. `http://127.0.0.1:1234`, for the URLs in response bodies. */
  readonly base: string;
  /** The request body parsed as JSON (undefined when empty). */
  readonly body: unknown;
  /** Who the token belongs to. */
  readonly login: string;
}

/** One REST endpoint: `pattern` is matched against the path; its groups arrive URL-decoded. */
export interface RestRoute {
  readonly method: string;
  readonly pattern: RegExp;
  handle(ctx: RestContext, params: readonly string[]): void | Promise<void>;
}

/** A plain object from a JSON body, or an empty one (handlers validate fields themselves). */
export function bodyObject(body: unknown): Record<string, unknown> {
  return typeof body === 'object' && body !== null && !Array.isArray(body)
    ? (body as Record<string, unknown>)
    : {};
}
