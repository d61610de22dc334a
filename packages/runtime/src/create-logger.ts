import { type DestinationStream, type Logger, pino } from 'pino';

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

/** The service logger (JSON lines on stdout). Use `logger.child({deliveryId})` / `{jobId}` per unit of work. */
export function createLogger(
  options: { level?: string; name?: string; destination?: DestinationStream } = {},
): Logger {
  const opts = { level: options.level ?? 'info', name: options.name ?? 'signalbox', redact };
  return options.destination ? pino(opts, options.destination) : pino(opts);
}
