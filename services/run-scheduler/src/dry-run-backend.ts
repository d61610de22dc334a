import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { RunBackend } from './run-backend.ts';

/**
 * No cluster: each object is written as YAML to `<outDir>/<namespace>/<name>.yaml`, created
 * exclusively (an existing file is a repeat, as a 409 would be), with the same names as in a
 * cluster. Concurrency groups need a cluster's run states and are not applied here.
 */
export function dryRunBackend(outDir: string): RunBackend {
  return {
    kind: 'dry-run',
    async create(object) {
      const dir = join(outDir, object.metadata.namespace);
      await mkdir(dir, { recursive: true });
      try {
        await writeFile(join(dir, `${object.metadata.name}.yaml`), stringify(object), { flag: 'wx' });
        return { created: true };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') return { created: false };
        throw err;
      }
    },
    async list() {
      return [];
    },
    async mergePatch() {},
  };
}
