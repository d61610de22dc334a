import { lstat, readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

const skippedDirs = new Set(['.git', 'node_modules']);

function isManifestName(name: string): boolean {
  return /\.(ya?ml|json)$/i.test(name) || name === 'Kustomization';
}

/**
 * Manifest files (`*.yaml`, `*.yml`, `*.json`, `Kustomization`) under `start`, as posix paths
 * relative to `root`, sorted. Symbolic links are skipped, all of them, files and directories,
 * even those that point inside `root`: the walk then cannot leave `root` or edit one file twice,
 * and a link's target inside `root` is still edited where it really lives when the walk gets
 * there. `.git` and `node_modules` are skipped.
 */
export async function listManifestFiles(root: string, start: string): Promise<string[]> {
  const found: string[] = [];
  const toPosix = (path: string) => relative(root, path).split(sep).join('/');
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory() && !skippedDirs.has(entry.name)) await walk(path);
      else if (entry.isFile() && isManifestName(entry.name)) found.push(toPosix(path));
    }
  };
  const stat = await lstat(start);
  if (stat.isDirectory()) await walk(start);
  else if (stat.isFile()) found.push(toPosix(start));
  return found.sort();
}
