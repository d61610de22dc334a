import { lstat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { editManifestText, type ManifestEdit } from './edit-manifest-text.ts';
import { listManifestFiles } from './list-manifest-files.ts';
import { type ImagePin, resolveImageTarget } from './resolve-image-target.ts';
import { resolveScanPaths } from './resolve-scan-paths.ts';
import { writeFileAtomic } from './write-file-atomic.ts';

/** What to point where. */
export interface SetImageOptions {
  /** Root directory. Symbolic links under it are never followed (see {@link listManifestFiles}). */
  dir: string;
  /** Repository, `registry[:port]/path`, matched exactly (e.g. `harbor.example.com/team-a/api`). */
  image: string;
  tag: string;
  /** `sha256:` and 64 lowercase hex digits. */
  digest?: string;
  /** Default `tag`; `digest` and `tag@digest` need `digest`. */
  pin?: ImagePin;
  /** Sub-paths of `dir` to scan (default: all of it); each must stay inside `dir`. */
  paths?: readonly string[];
}

/** One file that was rewritten. */
export interface FileChange {
  /** Relative to `dir`, posix separators. */
  path: string;
  before: string;
  after: string;
  edits: ManifestEdit[];
}

/** The rewritten files, and the files (or paths) that could not be handled and were left untouched. */
export interface SetImageResult {
  changed: FileChange[];
  problems: { path: string; message: string }[];
}

/**
 * Points every reference to `options.image` under `options.dir` at the new tag/digest, in place:
 * only the bytes of those references change, each file is replaced atomically with its mode kept,
 * and nothing is written when every reference already points there. A bad request throws a
 * `SetImageError` before any file is read; a file that cannot be edited (not YAML, not UTF-8, an
 * entry without the key to set) is reported in `problems` and left untouched. Files that do not
 * contain the image's last path segment at all are not parsed, so an unrelated broken file (a Helm
 * template) is not reported.
 */
export async function setImage(options: SetImageOptions): Promise<SetImageResult> {
  const target = resolveImageTarget(options);
  const { root, starts, missing } = await resolveScanPaths(options.dir, options.paths);
  const result: SetImageResult = {
    changed: [],
    problems: missing.map((path) => ({ path, message: 'no such file or directory' })),
  };
  const needle = target.image.slice(target.image.lastIndexOf('/') + 1);
  const files = new Set<string>();
  for (const start of starts) for (const file of await listManifestFiles(root, start)) files.add(file);
  for (const path of [...files].sort()) {
    const absolute = join(root, path);
    const bytes = await readFile(absolute);
    const before = bytes.toString('utf8');
    if (!before.includes(needle)) continue;
    if (!Buffer.from(before, 'utf8').equals(bytes)) {
      result.problems.push({ path, message: 'not UTF-8; left untouched' });
      continue;
    }
    const edit = editManifestText(before, path, target);
    if ('problem' in edit) result.problems.push({ path, message: edit.problem });
    else if (edit.edits.length > 0) {
      await writeFileAtomic(absolute, edit.text, (await lstat(absolute)).mode & 0o7777);
      result.changed.push({ path, before, after: edit.text, edits: edit.edits });
    }
  }
  return result;
}
