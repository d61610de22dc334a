/** One way the listener refuses a request: the `error` of its JSON body, its status, its message. */
export interface HttpErrorSpec {
  /** The `error` field of the `{error, message}` answer (lower snake case: part of the HTTP contract). */
  readonly code: string;
  readonly status: number;
  /** The message when the refusal has nothing more specific to say. */
  readonly message: string;
}

/**
 * Every refusal the listener's two ports answer with, declared once (Fastify's `lib/errors.js`
 * is the model). Keys are the internal codes, upper snake case like every other error code in
 * Signalbox (`CONFIG_INVALID`, `CEL_EVAL`, `KUBE_403`); a trigger engine `BodyError` has the
 * same code as its entry here, which is how the HTTP edge maps it. The `code` values are what
 * senders and `signalbox` see in `{error, message}` and must not change.
 */
export const httpErrors = {
  BAD_REQUEST: { code: 'bad_request', status: 400, message: 'malformed HTTP request' },
  CLIENT_ABORTED: { code: 'client_aborted', status: 400, message: 'the sender closed the connection' },
  INVALID_BODY: { code: 'invalid_body', status: 400, message: 'body must be a JSON object' },
  UNAUTHORIZED: { code: 'unauthorized', status: 401, message: 'the request was not authenticated' },
  ADMIN_TOKEN_REQUIRED: {
    code: 'unauthorized',
    status: 401,
    message: 'a valid admin bearer token is required',
  },
  NOT_FOUND: { code: 'not_found', status: 404, message: 'no such route' },
  METHOD_NOT_ALLOWED: {
    code: 'method_not_allowed',
    status: 405,
    message: 'webhooks are delivered with POST',
  },
  REQUEST_TIMEOUT: { code: 'request_timeout', status: 408, message: 'the request did not arrive in time' },
  NOT_REPLAYABLE: {
    code: 'not_replayable',
    status: 409,
    message: 'the body was larger than the ledger cap and was not kept',
  },
  PAYLOAD_TOO_LARGE: { code: 'payload_too_large', status: 413, message: 'body is larger than the limit' },
  URI_TOO_LONG: { code: 'uri_too_long', status: 414, message: 'a path segment is longer than accepted' },
  UNSUPPORTED_MEDIA_TYPE: {
    code: 'unsupported_media_type',
    status: 415,
    message: 'content type is not supported',
  },
  HEADERS_TOO_LARGE: {
    code: 'headers_too_large',
    status: 431,
    message: 'the request line and headers are larger than the server accepts',
  },
  INTERNAL: { code: 'internal', status: 500, message: 'internal error; see the service log' },
  NOT_READY: { code: 'not_ready', status: 503, message: 'no valid configuration is loaded yet' },
  UNAVAILABLE: {
    code: 'unavailable',
    status: 503,
    message: 'could not store the delivery (queue unavailable); retry later',
  },
  UPSTREAM_UNAVAILABLE: {
    code: 'upstream_unavailable',
    status: 503,
    message: 'an interceptor call failed; retry later',
  },
  AT_CAPACITY: {
    code: 'at_capacity',
    status: 503,
    message: 'too many request bodies are being received; retry later',
  },
  SHUTTING_DOWN: { code: 'shutting_down', status: 503, message: 'the service is shutting down; retry later' },
} as const satisfies Record<string, HttpErrorSpec>;
