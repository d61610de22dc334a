import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Every `*.yaml` / `*.yml` file below `dir`, sorted, recursively. Entries starting with `.` are
 * skipped: a mounted ConfigMap keeps its real files behind `..data` / `..<timestamp>` and shows
 * them through symlinks, which are followed, so each document is read once. Throws when `dir`
 * cannot be read.
 */
export function listConfigFiles(dir: string): string[] {
  const out: string[] = [];
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    const stat = statSync(path, { throwIfNoEntry: false });
    if (!stat) continue; // a dangling symlink mid-update
    if (stat.isDirectory()) out.push(...listConfigFiles(path));
    else if (/\.ya?ml$/.test(entry.name) && stat.isFile()) out.push(path);
  }
  return out;
}
