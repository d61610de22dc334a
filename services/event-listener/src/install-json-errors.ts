import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { httpErrors } from './http-errors.ts';
import { RequestError } from './request-error.ts';

/** The `error` code of each status Fastify itself raises (schema, body, method). */
const errorCodes: Readonly<Record<number, string>> = Object.fromEntries(
  [
    httpErrors.BAD_REQUEST,
    httpErrors.UNAUTHORIZED,
    httpErrors.NOT_FOUND,
    httpErrors.METHOD_NOT_ALLOWED,
    httpErrors.REQUEST_TIMEOUT,
    httpErrors.PAYLOAD_TOO_LARGE,
    httpErrors.UNSUPPORTED_MEDIA_TYPE,
  ].map((e) => [e.status, e.code]),
);

const path = (request: FastifyRequest) => request.url.split('?')[0];

/**
 * Every error of `app` as JSON `{error, message}` with its status, logged once. A `RequestError`
 * (refused at the edge, often before its body was read) also closes the connection: whatever the
 * sender still sends is not worth reading, and the socket is not kept for a next request.
 * `onRejected` sees each 4xx/5xx (the listener counts them).
 */
export function installJsonErrors(
  app: FastifyInstance,
  options: {
    logger: Logger;
    onRejected?(request: FastifyRequest, status: number, code: string): void;
  },
): void {
  const { logger } = options;
  app.setErrorHandler((err: { statusCode?: number; code?: string; message: string }, request, reply) => {
    const status = err.statusCode ?? 500;
    if (err instanceof RequestError) {
      reply.header('connection', 'close');
      if (err.retryAfter !== undefined) reply.header('retry-after', String(err.retryAfter));
    }
    const code =
      err instanceof RequestError
        ? err.code
        : status >= 500
          ? httpErrors.INTERNAL.code
          : (errorCodes[status] ?? httpErrors.BAD_REQUEST.code);
    options.onRejected?.(request, status, code);
    if (status >= 500 && !(err instanceof RequestError)) {
      // The cause goes to the log, not to the sender.
      logger.error({ err: err.message, url: path(request) }, 'request failed');
      return reply.code(status).send({ error: code, message: httpErrors.INTERNAL.message });
    }
    logger.info({ status, url: path(request), reason: err.message }, 'request rejected');
    return reply.code(status).send({ error: code, message: err.message });
  });
  app.setNotFoundHandler((request, reply) => {
    reply
      .code(httpErrors.NOT_FOUND.status)
      .send({ error: httpErrors.NOT_FOUND.code, message: `no route ${request.method} ${path(request)}` });
  });
}
