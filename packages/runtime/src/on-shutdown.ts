import type { Logger } from 'pino';

/**
 * On SIGTERM/SIGINT: runs `stop` (stop intake, drain in-flight work, close connections) and exits
 * 0; if it takes longer than `timeoutMs`, exits 1 so the orchestrator knows work may be unfinished
 * (BullMQ hands an unfinished job to another worker once its lock expires).
 *
 * Signals within `togetherMs` (default 1 s) of the first are the same request: a terminal's Ctrl-C
 * reaches every process of the foreground group, and `npm start` (or any launcher) forwards it to
 * its child as well, so one keypress arrives two or three times within milliseconds. A signal
 * after that window is a person pressing Ctrl-C again: exit 1 at once, without waiting for the drain.
 */
export function onShutdown(
  stop: () => Promise<void>,
  options: {
    timeoutMs: number;
    logger: Logger;
    exit?: (code: number) => void;
    togetherMs?: number;
    now?: () => number;
  },
): () => void {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const now = options.now ?? Date.now;
  const togetherMs = options.togetherMs ?? 1_000;
  let firstAt: number | undefined;
  const handler = (signal: NodeJS.Signals) => {
    if (firstAt !== undefined) {
      if (now() - firstAt < togetherMs) return;
      options.logger.warn({ signal }, 'second signal: exiting now without finishing the drain');
      options.logger.flush?.();
      exit(1);
      return;
    }
    firstAt = now();
    options.logger.info(
      { signal, timeoutMs: options.timeoutMs },
      'shutting down: draining in-flight work (signal again to exit at once)',
    );
    const timer = setTimeout(() => {
      options.logger.error({ timeoutMs: options.timeoutMs }, 'shutdown timed out with work in flight');
      options.logger.flush?.();
      exit(1);
    }, options.timeoutMs);
    timer.unref();
    stop().then(
      () => {
        clearTimeout(timer);
        options.logger.info('shutdown complete');
        options.logger.flush?.();
        exit(0);
      },
      (err: unknown) => {
        clearTimeout(timer);
        options.logger.error({ err: (err as Error).message }, 'shutdown failed');
        options.logger.flush?.();
        exit(1);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
  return () => {
    process.off('SIGTERM', handler);
    process.off('SIGINT', handler);
  };
}
