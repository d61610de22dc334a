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
 * Reads a webhook body under its limits, hashing it as it arrives when a signature is to be
 * confirmed: a body that no secret signs is refused (401) at its last byte, before anything parses
 * it. With a `Content-Length` the budget is taken at once and the bytes land in one buffer of that
 * size (no second copy when the chunks are joined); a chunked body takes budget chunk by chunk.
 */
export function readWebhookBody(payload: Readable, options: ReadWebhookBodyOptions): Promise<WebhookBody> {
  const { contentLength, limit, verifier } = options;
  return new Promise<WebhookBody>((resolve, reject) => {
    const whole = contentLength !== undefined ? Buffer.allocUnsafe(contentLength) : undefined;
    const chunks: Buffer[] = [];
    let received = 0;
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
      if (received + chunk.length > limit) {
        return finish(
          new RequestError(httpErrors.PAYLOAD_TOO_LARGE, `body is larger than the limit of ${limit} bytes`),
        );
      }
      if (!whole && !options.hold(chunk.length)) {
        return finish(
          new RequestError(httpErrors.AT_CAPACITY, undefined, {
            retryAfter: 10,
          }),
        );
      }
      verifier?.update(chunk);
      if (whole) chunk.copy(whole, received);
      else chunks.push(chunk);
      received += chunk.length;
    };
    const onEnd = () => {
      const rawBody = whole ? whole.subarray(0, received) : Buffer.concat(chunks, received);
      if (!verifier) return finish(undefined, { rawBody });
      const { authenticated, hmacs } = verifier.finish();
      if (!authenticated) {
        return finish(new RequestError(httpErrors.UNAUTHORIZED));
      }
      finish(undefined, { rawBody, hmacs });
    };
    const onAbort = () => finish(new RequestError(httpErrors.CLIENT_ABORTED));
    if (whole && !options.hold(whole.length)) {
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
