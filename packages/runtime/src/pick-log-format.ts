/**
 * The log format of a process: LOG_FORMAT when set, else pretty for a person at a terminal (stdout
 * is a TTY) and JSON lines for everything else (containers, pipes, log collectors).
 */
export function pickLogFormat(
  configured: 'json' | 'pretty' | undefined,
  stdoutIsTTY: boolean,
): 'json' | 'pretty' {
  return configured ?? (stdoutIsTTY ? 'pretty' : 'json');
}
