import { readTokenFile } from '@signalbox/runtime';
import type { Logger } from 'pino';

/**
 * Reads a token file when asked (a mounted Secret is rotated in place). A file that cannot be
 * read is said once at start, with its path (never its content), so a 401 from GitHub later is
 * not a mystery.
 */
export function tokenFileReader(path: string, logger: Logger): () => string | undefined {
  const read = () => readTokenFile(path);
  if (read() === undefined) {
    logger.warn(
      { file: path },
      'SIGNALBOX_GITHUB_TOKEN_FILE is missing or empty: addChangedFiles calls without a trigger token go unauthenticated',
    );
  }
  return read;
}
