import { STATUS_CODES } from 'node:http';
import { createInterface } from 'node:readline';
import type { KubeTransport } from './kube-transport.ts';

const timeoutError = () => new DOMException('The operation was aborted due to timeout', 'TimeoutError');

/**
 * A watch as client-node's `Watch` runs it, over `transport` instead of undici's fetch: `url`
 * with `watch=true` and `query` added; each line of the answer is one event (`onEvent(type,
 * object)`; a line that is not JSON is skipped); `done` is called once — with nothing when the
 * server ends the watch, with an Error carrying `statusCode` when it refuses it (403, 410), with
 * a `TimeoutError` when nothing (not even the answer's headers) came for `inactivityTimeoutMs`,
 * with an `AbortError` after `abort()`, or with the connection's error.
 */
export async function openWatch(
  transport: KubeTransport,
  url: string,
  query: Readonly<Record<string, string | number | boolean | undefined>>,
  onEvent: (type: string, object: unknown) => void,
  done: (err: unknown) => void,
  inactivityTimeoutMs: number,
): Promise<{ abort(): void }> {
  const watchUrl = new URL(url);
  watchUrl.searchParams.set('watch', 'true');
  for (const [name, value] of Object.entries(query))
    if (value !== undefined) watchUrl.searchParams.set(name, String(value));
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const quietFor = () => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(timeoutError()), inactivityTimeoutMs).unref();
  };
  let ended = false;
  const end = (err: unknown) => {
    if (ended) return;
    ended = true;
    clearTimeout(timer);
    // Ended by abort() or the inactivity timeout: the answer's error (a reset socket) is that.
    const aborted = controller.signal.aborted;
    controller.abort();
    done(err && aborted ? controller.signal.reason : err);
  };
  try {
    quietFor();
    const { statusCode, body } = await transport.stream(watchUrl.toString(), controller.signal);
    if (statusCode !== 200) {
      body.on('error', () => {}).resume();
      throw Object.assign(new Error(STATUS_CODES[statusCode] ?? 'Internal Server Error'), { statusCode });
    }
    quietFor();
    body.on('data', quietFor);
    // A reset connection errors the answer and then the line reader: the first one ends the watch.
    body.on('error', end);
    let complete = false;
    body.once('end', () => {
      complete = true;
    });
    body.once('close', () => end(complete ? null : (body.errored ?? null)));
    const lines = createInterface({ input: body, crlfDelay: Number.POSITIVE_INFINITY });
    lines.on('error', end);
    lines.on('line', (line) => {
      try {
        const event = JSON.parse(line) as { type: string; object: unknown };
        onEvent(event.type, event.object);
      } catch {
        // Not an event: skipped, as client-node does.
      }
    });
  } catch (err) {
    end(err);
  }
  return controller;
}
