import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';

const send = (socket: Socket, status: number, error: string, message: string) => {
  const body = JSON.stringify({ error, message });
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
        send(
          socket,
          431,
          'headers_too_large',
          'the request line and headers are larger than the server accepts',
        );
      } else if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
        send(socket, 408, 'request_timeout', 'the request did not arrive in time');
      } else send(socket, 400, 'bad_request', 'malformed HTTP request');
      socket.destroy();
    },
    frameworkErrors(
      error: { code?: string; message: string },
      _request: FastifyRequest,
      reply: FastifyReply,
    ) {
      if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
        return reply
          .code(414)
          .send({ error: 'uri_too_long', message: 'a path segment is longer than accepted' });
      }
      return reply.code(400).send({ error: 'bad_request', message: error.message });
    },
  };
}
