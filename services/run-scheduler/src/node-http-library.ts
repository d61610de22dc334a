import type { Agent as HttpAgent } from 'node:http';
import { request as httpRequest } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import { request as httpsRequest } from 'node:https';
import {
  type HttpLibrary,
  type RequestContext,
  ResponseContext,
  wrapHttpLibrary,
} from '@kubernetes/client-node';

/**
 * client-node's transport over `node:http(s)` and a keep-alive agent, in place of its default
 * `fetch`. Per create, fetch built a Request, a Headers list, a web stream for the body and one
 * for the answer, a dependent abort signal and a resource-timing entry, and wrote the headers and
 * the body in separate socket writes: about a third of the run-scheduler's CPU at 1 000 creates/s.
 * Here a request is one write (headers and body), and the answer is read into one Buffer.
 *
 * `agent()` gives the pool for the request's URL (`PooledKubeConfig` renews it with the TLS
 * files). A request aborted by its signal (the request timeout) rejects with the signal's reason,
 * a `TimeoutError`, as fetch did.
 */
export function nodeHttpLibrary(agent: () => Promise<HttpAgent | HttpsAgent>): HttpLibrary {
  return wrapHttpLibrary({
    async send(context: RequestContext): Promise<ResponseContext> {
      const pool = await agent();
      const url = new URL(context.getUrl());
      const body = context.getBody();
      if (body !== undefined && typeof body !== 'string')
        throw new Error('the node:http transport sends string bodies only');
      const signal = context.getSignal();
      const headers: Record<string, string | number> = { ...context.getHeaders() };
      if (body !== undefined) headers['content-length'] = Buffer.byteLength(body);
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      return new Promise((resolve, reject) => {
        const fail = (err: unknown) => reject(signal?.aborted ? signal.reason : err);
        const req = send(
          url,
          { method: context.getHttpMethod(), headers, agent: pool, ...(signal ? { signal } : {}) },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.once('error', fail);
            res.once('end', () => {
              const data = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
              const answer: Record<string, string> = {};
              for (const [name, value] of Object.entries(res.headers))
                if (value !== undefined) answer[name] = Array.isArray(value) ? value.join(', ') : value;
              resolve(
                new ResponseContext(res.statusCode ?? 0, answer, {
                  text: async () => data.toString('utf8'),
                  binary: async () => data,
                  stream: () => null,
                }),
              );
            });
          },
        );
        req.once('error', fail);
        req.end(body);
      });
    },
  });
}
