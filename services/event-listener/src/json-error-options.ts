import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type HttpErrorSpec, httpErrors } from './http-errors.ts';

const send = (socket: Socket, { status, code, message }: HttpErrorSpec) => {
  const body = JSON.stringify({ error: code, message });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
};

/**
 * Fastify construction options that keep the answers Node's parser and Fastify's router give
 * before any route runs in the `{error, message}` shape of every other error: headers (or URL)
 * too large → 431, a request not received in time → 408, a path segment over `maxParamLength` →
 * 414, a malformed URL or request → 400.
 */
export function jsonErrorOptions() {
  return {
    clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket) {
      if (err.code === 'ECONNRESET' || socket.destroyed) return;
      if (err.code === 'HPE_HEADER_OVERFLOW') {
        send(socket, httpErrors.HEADERS_TOO_LARGE);
      } else if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
        send(socket, httpErrors.REQUEST_TIMEOUT);
      } else send(socket, httpErrors.BAD_REQUEST);
      socket.destroy();
    },
    frameworkErrors(
      error: { code?: string; message: string },
      _request: FastifyRequest,
      reply: FastifyReply,
    ) {
      if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
        const { status, code, message } = httpErrors.URI_TOO_LONG;
        return reply.code(status).send({ error: code, message });
      }
      return reply
        .code(httpErrors.BAD_REQUEST.status)
        .send({ error: httpErrors.BAD_REQUEST.code, message: error.message });
    },
  };
}
