import type { Readable } from 'node:stream';
import type { BodySignatureVerifier } from '@signalbox/triggers';
import { httpErrors } from './http-errors.ts';
import { RequestError } from './request-error.ts';

/** A body read in full, and its HMACs when they were computed on the way. */
export interface WebhookBody {
  readonly rawBody: Buffer;
  readonly hmacs?: ReadonlyMap<string, string>;
}

export interface ReadWebhookBodyOptions {
  /** `Content-Length` when the sender gave one (it was already checked against `limit`). */
  readonly contentLength: number | undefined;
  /** Bytes at most (the listener's body limit). */
  readonly limit: number;
  /** The whole body must have arrived this many ms after the read began. */
  readonly timeoutMs: number;
  /** Takes bytes from the shared budget; false when it is spent. */
  hold(bytes: number): boolean;
  /** Registers the read so shutdown can cut it; returns the unregister function. */
  track(cut: () => void): () => void;
  /** Set when a GitHub signature must be confirmed over these bytes. */
  readonly verifier?: BodySignatureVerifier;
}

/**
 * The bytes of one body as they arrive. A body that comes as one chunk (a GitHub push, mostly) is
 * that chunk: Node's HTTP parser hands each chunk over as a copy of its own, and a profile showed
 * allocating and filling a second buffer costing more than the body's HMAC. With a
 * `Content-Length`, the chunks of a longer body land in one buffer of that size as they come.
 */
function bodyBytes(contentLength: number | undefined) {
  let whole: Buffer | undefined;
  const chunks: Buffer[] = [];
  let received = 0;
  return {
    received: () => received,
    add(chunk: Buffer) {
      if (whole) chunk.copy(whole, received);
      else if (contentLength !== undefined && chunks.length === 1) {
        whole = Buffer.allocUnsafe(Math.max(contentLength, received + chunk.length));
        (chunks.pop() as Buffer).copy(whole);
        chunk.copy(whole, received);
      } else chunks.push(chunk);
      received += chunk.length;
    },
    body(): Buffer {
      if (whole) return whole.subarray(0, received);
      return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, received);
    },
  };
}

/**
 * Reads a webhook body under its limits, hashing it as it arrives when a signature is to be
 * confirmed: a body that no secret signs is refused (401) at its last byte, before anything parses
 * it. With a `Content-Length` the budget is taken at once; a chunked body takes budget chunk by
 * chunk.
 */
export function readWebhookBody(payload: Readable, options: ReadWebhookBodyOptions): Promise<WebhookBody> {
  const { contentLength, limit, verifier } = options;
  return new Promise<WebhookBody>((resolve, reject) => {
    const bytes = bodyBytes(contentLength);
    let settled = false;
    const finish = (err: RequestError | undefined, body?: WebhookBody) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      untrack();
      payload.off('data', onData);
      payload.off('end', onEnd);
      payload.off('error', onAbort);
      payload.off('aborted', onAbort);
      if (err) {
        // What the sender still sends is discarded; the connection closes after the answer.
        payload.pause();
        reject(err);
      } else resolve(body as WebhookBody);
    };
    const onData = (chunk: Buffer) => {
      if (bytes.received() + chunk.length > limit) {
        return finish(
          new RequestError(httpErrors.PAYLOAD_TOO_LARGE, `body is larger than the limit of ${limit} bytes`),
        );
      }
      if (contentLength === undefined && !options.hold(chunk.length)) {
        return finish(
          new RequestError(httpErrors.AT_CAPACITY, undefined, {
            retryAfter: 10,
          }),
        );
      }
      verifier?.update(chunk);
      bytes.add(chunk);
    };
    const onEnd = () => {
      const rawBody = bytes.body();
      if (!verifier) return finish(undefined, { rawBody });
      const { authenticated, hmacs } = verifier.finish();
      if (!authenticated) {
        return finish(new RequestError(httpErrors.UNAUTHORIZED));
      }
      finish(undefined, { rawBody, hmacs });
    };
    const onAbort = () => finish(new RequestError(httpErrors.CLIENT_ABORTED));
    if (contentLength !== undefined && !options.hold(contentLength)) {
      reject(
        new RequestError(httpErrors.AT_CAPACITY, undefined, {
          retryAfter: 10,
        }),
      );
      return;
    }
    const timer = setTimeout(
      () =>
        finish(
          new RequestError(
            httpErrors.REQUEST_TIMEOUT,
            `the body did not arrive within ${options.timeoutMs} ms`,
          ),
        ),
      options.timeoutMs,
    );
    const untrack = options.track(() => {
      // Shutdown: a body still arriving at the drain deadline is cut with its connection, so a
      // slow sender cannot hold the process past it. The sender sees a reset and redelivers.
      finish(new RequestError(httpErrors.SHUTTING_DOWN));
      payload.destroy();
    });
    payload.on('data', onData);
    payload.on('end', onEnd);
    payload.on('error', onAbort);
    payload.on('aborted', onAbort);
  });
}
