import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The dry-run backend's files (`<outDir>/<namespace>/<name>.yaml`) created for `eventID`, found by
 * Tekton Triggers' event-id label, which every created object carries. Paths relative to `outDir`.
 */
export async function findEventObjects(outDir: string, eventID: string): Promise<string[]> {
  const label = `triggers.tekton.dev/triggers-eventid: ${eventID}`;
  const found: string[] = [];
  const namespaces = await readdir(outDir, { withFileTypes: true }).catch(() => []);
  for (const ns of namespaces) {
    if (!ns.isDirectory() || ns.name.startsWith('.')) continue;
    for (const name of await readdir(join(outDir, ns.name)).catch(() => [])) {
      if (!name.endsWith('.yaml')) continue;
      const text = await readFile(join(outDir, ns.name, name), 'utf8').catch(() => '');
      if (text.includes(label)) found.push(join(ns.name, name));
    }
  }
  return found.sort();
}
