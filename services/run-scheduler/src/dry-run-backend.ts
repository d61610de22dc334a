import { randomUUID } from 'node:crypto';
import { link, mkdir, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { mergePatchValue } from './merge-patch-value.ts';
import type { KubeObject, RunBackend } from './run-backend.ts';

/** A run waiting for a slot in its concurrency group is kept here, out of `ls <out>/<ns>`. */
const queuedDir = '.queued';

/** The dry-run backend, plus what its releaser needs: every run still waiting for a slot. */
export interface DryRunBackend extends RunBackend {
  queued(): Promise<KubeObject[]>;
}

const isQueued = (o: KubeObject) =>
  (o.spec as { status?: unknown } | undefined)?.status === 'PipelineRunPending';

/** `k=v,k2=v2` (the only form the scheduler asks for). */
function matchesSelector(object: KubeObject, selector: string): boolean {
  const labels = (object.metadata.labels ?? {}) as Record<string, string>;
  return selector
    .split(',')
    .filter(Boolean)
    .every((term) => {
      const [key, value] = term.split('=');
      return key !== undefined && labels[key] === value;
    });
}

const missing = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOENT';

/**
 * No cluster: each object is written as YAML to `<outDir>/<namespace>/<name>.yaml`, with the same
 * names as in a cluster. The file appears atomically and exclusively: the YAML is written to a
 * temporary file that is then hard-linked to its final name (`link` fails with EEXIST if the name
 * exists, as a 409 would), so a crash never leaves a half-written run that a retry would take
 * for done.
 *
 * Concurrency groups work as on a cluster, with the files as the cluster's state: a run created
 * `PipelineRunPending` is kept under `<namespace>/.queued/` and written to `<namespace>/` only
 * when its group has room (the merge patch that releases it); a superseded run's file gets the
 * cancelling `spec.status`. A written run holds its slot until its file is deleted (as
 * `kubectl delete` would) or given a finished `status` — there is no Tekton here to finish it.
 */
// long-function: one RunBackend object literal: each method is short, the object is the unit
export function dryRunBackend(outDir: string): DryRunBackend {
  const paths = (namespace: string, name: string) => ({
    written: join(outDir, namespace, `${name}.yaml`),
    queued: join(outDir, namespace, queuedDir, `${name}.yaml`),
  });
  const readObject = async (file: string): Promise<KubeObject | undefined> => {
    try {
      return parse(await readFile(file, 'utf8')) as KubeObject;
    } catch (err) {
      if (missing(err)) return undefined;
      throw err;
    }
  };
  const readDir = async (dir: string): Promise<KubeObject[]> => {
    let names: string[];
    try {
      names = (await readdir(dir)).filter((n) => n.endsWith('.yaml'));
    } catch (err) {
      if (missing(err)) return [];
      throw err;
    }
    const objects = await Promise.all(names.map((n) => readObject(join(dir, n))));
    return objects.filter((o): o is KubeObject => o !== undefined);
  };
  const readNamespaces = async (): Promise<string[]> => {
    try {
      return await readdir(outDir);
    } catch (err) {
      if (missing(err)) return [];
      throw err;
    }
  };
  /** Writes `object` under `file` atomically; `exclusive` refuses an existing name (EEXIST). */
  const writeObject = async (file: string, object: KubeObject, exclusive: boolean) => {
    const dir = join(file, '..');
    await mkdir(dir, { recursive: true });
    const temp = join(dir, `.${object.metadata.name}.${randomUUID()}.tmp`);
    await writeFile(temp, stringify(object), { flag: 'wx' });
    try {
      if (exclusive) await link(temp, file);
      else await rename(temp, file);
    } finally {
      if (exclusive) await unlink(temp).catch(() => {});
    }
  };

  return {
    async create(object) {
      const at = paths(object.metadata.namespace, object.metadata.name);
      // A queued run that was since released (or the other way round) is the same object.
      const other = isQueued(object) ? at.written : at.queued;
      if ((await readObject(other)) !== undefined) return { created: false };
      try {
        await writeObject(isQueued(object) ? at.queued : at.written, object, true);
        return { created: true };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') return { created: false };
        throw err;
      }
    },
    async list(apiVersion, kind, namespace, labelSelector) {
      const namespaces = namespace === undefined ? await readNamespaces() : [namespace];
      const dirs = namespaces.flatMap((ns) => [join(outDir, ns), join(outDir, ns, queuedDir)]);
      const all = (await Promise.all(dirs.map(readDir))).flat();
      // A release writes the new file before it removes the queued one: for that moment the
      // written copy is the run (written directories are read first).
      const seen = new Set<string>();
      const items = all.filter((o) => {
        const id = `${o.metadata.namespace}/${o.metadata.name}`;
        if (seen.has(id)) return false;
        seen.add(id);
        return o.apiVersion === apiVersion && o.kind === kind && matchesSelector(o, labelSelector);
      });
      // Files have no resourceVersion, and no watch resumes from one here.
      return { items, resourceVersion: undefined };
    },
    async mergePatch(object, patch) {
      const at = paths(object.metadata.namespace, object.metadata.name);
      const written = await readObject(at.written);
      const from = written ? at.written : at.queued;
      const current = written ?? (await readObject(at.queued));
      if (!current) {
        throw Object.assign(new Error(`${object.kind} ${object.metadata.name} not found in ${outDir}`), {
          code: 404,
        });
      }
      const next = mergePatchValue(current, patch) as KubeObject;
      const to = isQueued(next) ? at.queued : at.written;
      await writeObject(to, next, false);
      if (to !== from) await unlink(from).catch(() => {});
    },
    async queued() {
      const namespaces = await readNamespaces();
      const lists = await Promise.all(namespaces.map((ns) => readDir(join(outDir, ns, queuedDir))));
      return lists.flat().filter(isQueued);
    },
  };
}
