import type { Agent as HttpAgent, IncomingMessage } from 'node:http';
import { request as httpRequest } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import { request as httpsRequest } from 'node:https';

/** One request as `sendRequest` writes it. */
export interface SendInit {
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Sent with its content-length in the same write as the headers. */
  readonly body?: string | undefined;
  readonly agent: HttpAgent | HttpsAgent;
  readonly signal?: AbortSignal | undefined;
}

/**
 * Sends one request over `node:http(s)` and resolves with the response once its headers have
 * arrived; the caller reads (or discards) the body. A request aborted by its signal rejects
 * with the signal's reason (a request timeout's `TimeoutError`), as `fetch` does.
 */
export function sendRequest(url: URL, init: SendInit): Promise<IncomingMessage> {
  const { method, body, agent, signal } = init;
  const headers: Record<string, string | number> = { ...init.headers };
  if (body !== undefined) headers['content-length'] = Buffer.byteLength(body);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, { method, headers, agent, ...(signal ? { signal } : {}) }, resolve);
    req.on('error', (err) => reject(signal?.aborted ? signal.reason : err));
    req.end(body);
  });
}
