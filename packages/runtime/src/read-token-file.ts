import { readFileSync } from 'node:fs';

/**
 * A token file's content, trimmed (a mounted Secret or an editor adds a final newline);
 * `undefined` when it is missing, unreadable or empty. Read at each use, so a rotated Secret
 * applies without a restart.
 */
export function readTokenFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
