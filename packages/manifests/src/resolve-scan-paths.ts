import { realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { SetImageError } from './set-image-error.ts';

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * The real directory and the real start paths to scan. Each of `paths` must stay inside `dir`
 * both as written and after resolving links (`apps/../..` or a linked `apps` pointing elsewhere
 * would escape it): that is a {@link SetImageError} `path_outside_dir`, since it is a bad request.
 * A path that does not exist is returned in `missing` so the caller can report it.
 */
export async function resolveScanPaths(
  dir: string,
  paths: readonly string[] | undefined,
): Promise<{ root: string; starts: string[]; missing: string[] }> {
  let root: string;
  try {
    root = await realpath(dir);
  } catch (err) {
    throw new SetImageError('dir_not_found', `directory not found: ${dir}`, { cause: err });
  }
  const starts: string[] = [];
  const missing: string[] = [];
  for (const path of paths ?? ['.']) {
    const written = resolve(root, path);
    if (!inside(root, written)) throw new SetImageError('path_outside_dir', `path ${path} is outside ${dir}`);
    let real: string;
    try {
      real = await realpath(written);
    } catch {
      missing.push(path);
      continue;
    }
    if (!inside(root, real)) throw new SetImageError('path_outside_dir', `path ${path} leads outside ${dir}`);
    starts.push(written);
  }
  return { root, starts, missing };
}
