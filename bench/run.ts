// `npm run bench [name…]`: runs the benchmarks in this folder one after another (each prints its
// own baseline and ratio measured in the same run). Names: cel, event-listener, run-scheduler,
// kube-create, tekton-workload, idle-rss.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const all: Record<string, string> = {
  cel: 'cel-filter.ts',
  'event-listener': 'event-listener.ts',
  'run-scheduler': 'run-scheduler.ts',
  'kube-create': 'kube-create.ts',
  'tekton-workload': 'tekton-workload.ts',
  'idle-rss': 'idle-rss.ts',
};
const names = process.argv.slice(2).length > 0 ? process.argv.slice(2) : Object.keys(all);
let failed = 0;
for (const name of names) {
  const file = all[name];
  if (!file) {
    console.error(`unknown benchmark ${name}; one of ${Object.keys(all).join(', ')}`);
    process.exit(2);
  }
  const path = fileURLToPath(new URL(file, import.meta.url));
  if (!existsSync(path)) {
    console.log(`\n## ${name}: not built yet`);
    continue;
  }
  console.log(`\n## ${name}`);
  const result = spawnSync(process.execPath, [path], { stdio: 'inherit' });
  if (result.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
