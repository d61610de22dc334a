import { type DestinationStream, type Logger, pino } from 'pino';
import pretty from 'pino-pretty';

/** Paths pino blanks wherever they appear in a log record: secrets never reach the logs. */
const redact = [
  'authorization',
  '*.authorization',
  '*.*.authorization',
  'headers["x-hub-signature-256"]',
  '*.headers["x-hub-signature-256"]',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'password',
  '*.password',
];

/**
 * The service logger. `format`: `json` (default) writes JSON lines, what log collectors read;
 * `pretty` writes pino-pretty's readable lines (local time, level name, message, fields), what a
 * person at a terminal reads — `signalbox start` picks it when stdout is a TTY or LOG_FORMAT=pretty.
 * Use `logger.child({deliveryId})` / `{jobId}` per unit of work.
 */
export function createLogger(
  options: {
    level?: string;
    name?: string;
    format?: 'json' | 'pretty';
    destination?: DestinationStream;
    /** Colours in pretty lines (default: when the destination is stdout and a TTY). */
    colorize?: boolean;
  } = {},
): Logger {
  const opts = { level: options.level ?? 'info', name: options.name ?? 'signalbox', redact };
  if (options.format === 'pretty') {
    // Synchronous, in this thread: a transport worker would lose the last lines at process.exit.
    const stream = pretty({
      sync: true,
      colorize: options.colorize ?? (!options.destination && process.stdout.isTTY === true),
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname,name',
      ...(options.destination ? { destination: options.destination as NodeJS.WritableStream } : {}),
    });
    return pino(opts, stream);
  }
  return options.destination ? pino(opts, options.destination) : pino(opts);
}
