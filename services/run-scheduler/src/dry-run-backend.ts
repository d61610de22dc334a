import { randomUUID } from 'node:crypto';
import { link, mkdir, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { RunBackend } from './run-backend.ts';

/**
 * No cluster: each object is written as YAML to `<outDir>/<namespace>/<name>.yaml`, with the same
 * names as in a cluster. The file appears atomically and exclusively: the YAML is written to a
 * temporary file that is then hard-linked to its final name (`link` fails with EEXIST if the name
 * exists, as a 409 would), so a crash never leaves a half-written run that a retry would take
 * for done. Concurrency groups need a cluster's run states and are not applied here.
 */
export function dryRunBackend(outDir: string): RunBackend {
  return {
    kind: 'dry-run',
    async create(object) {
      const dir = join(outDir, object.metadata.namespace);
      await mkdir(dir, { recursive: true });
      const temp = join(dir, `.${object.metadata.name}.${randomUUID()}.tmp`);
      await writeFile(temp, stringify(object), { flag: 'wx' });
      try {
        await link(temp, join(dir, `${object.metadata.name}.yaml`));
        return { created: true };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') return { created: false };
        throw err;
      } finally {
        await unlink(temp).catch(() => {});
      }
    },
    async list() {
      return [];
    },
    async mergePatch() {},
  };
}
