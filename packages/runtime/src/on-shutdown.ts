import type { Logger } from 'pino';

/**
 * On SIGTERM/SIGINT: runs `stop` (stop intake, drain in-flight work, close connections) and exits
 * 0; if it takes longer than `timeoutMs`, exits 1 so the orchestrator knows work may be unfinished
 * (BullMQ hands an unfinished job to another worker once its lock expires). A second signal forces exit.
 */
export function onShutdown(
  stop: () => Promise<void>,
  options: { timeoutMs: number; logger: Logger; exit?: (code: number) => void },
): () => void {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      options.logger.warn({ signal }, 'second signal: exiting now');
      exit(1);
      return;
    }
    stopping = true;
    options.logger.info({ signal, timeoutMs: options.timeoutMs }, 'shutting down: draining in-flight work');
    const timer = setTimeout(() => {
      options.logger.error({ timeoutMs: options.timeoutMs }, 'shutdown timed out with work in flight');
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
