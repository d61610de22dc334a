import { STATUS_CODES } from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import { type KubeTransport, timeoutError } from './kube-transport.ts';

/**
 * A watch as client-node's `Watch` runs it, over `transport` instead of undici's fetch: `url`
 * with `watch=true` and `query` added; each line of the answer is one event (`onEvent(type,
 * object)`; a line that is not JSON is skipped); `done` is called once — with nothing when the
 * server ends the watch, with an Error carrying `statusCode` when it refuses it (403, 410), with
 * a `TimeoutError` when nothing (not even the answer's headers) came for `inactivityTimeoutMs`,
 * with an `AbortError` after `abort()`, or with the connection's error. Resolves once the answer's
 * headers are in (or the watch ended before them).
 */
export function openWatch(
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
  // Each line one event; a line split across chunks (or inside a UTF-8 character) waits for the rest.
  const decoder = new StringDecoder('utf8');
  let partial = '';
  const eventsIn = (text: string) => {
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      try {
        const event = JSON.parse(line) as { type: string; object: unknown };
        onEvent(event.type, event.object);
      } catch {
        // Not an event (a blank line, say): skipped, as client-node does.
      }
    }
  };
  quietFor();
  let opened: () => void = () => {};
  const open = new Promise<{ abort(): void }>((resolve) => {
    opened = () => resolve(controller);
  });
  transport.stream(watchUrl.toString(), controller.signal, {
    start(statusCode) {
      if (statusCode === 200) quietFor();
      else end(Object.assign(new Error(STATUS_CODES[statusCode] ?? 'Internal Server Error'), { statusCode }));
      opened();
    },
    data(chunk) {
      if (ended) return;
      quietFor();
      eventsIn(decoder.write(chunk));
    },
    end(err) {
      // The server finished the watch: its last line may have no newline.
      if (!err && !ended) eventsIn(`${decoder.end()}\n`);
      end(err);
      opened();
    },
  });
  return open;
}
