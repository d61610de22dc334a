import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

/** Variables the code reads that are not Signalbox settings. */
const notSettings = new Map([
  ['HOME', 'where ~/.kube/config is looked up'],
  ['KUBERNETES_SERVICE_HOST', 'set by Kubernetes in every pod (in-cluster detection)'],
  ['KUBERNETES_SERVICE_PORT', 'set by Kubernetes in every pod (the in-cluster API address, with the host)'],
  ['NODE_ENV', 'set by the image'],
  ['PATH', 'where the manifest-updater finds git (passed on to it)'],
]);

function sources(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name));
}

/** Environment variables read by the product code: `env.X`, `env['X']`, `read.integer('X', …)`. */
function variablesRead(): Set<string> {
  const files = ['packages', 'services'].flatMap((top) =>
    readdirSync(join(root, top))
      .filter((name) => name !== 'testkit')
      .flatMap((name) => {
        try {
          return sources(join(root, top, name, 'src'));
        } catch {
          return [];
        }
      }),
  );
  const found = new Set<string>();
  const patterns = [
    /\benv\.([A-Z][A-Z0-9_]+)/g,
    /\benv\[['"]([A-Z][A-Z0-9_]+)['"]\]/g,
    /\bread\.\w+\(\s*'([A-Z][A-Z0-9_]+)'/g,
  ];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const pattern of patterns) for (const m of text.matchAll(pattern)) if (m[1]) found.add(m[1]);
  }
  return found;
}

describe('README', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');

  it('documents every environment variable the services and the CLI read', () => {
    const read = variablesRead();
    expect(read.size).toBeGreaterThan(10);
    const undocumented = [...read].filter((v) => !notSettings.has(v) && !readme.includes(`\`${v}\``));
    expect(undocumented).toEqual([]);
  });

  it('has a quick start of exactly two commands: run it, test it', () => {
    const quickStart =
      readme
        .split('## Quick start')[1]
        ?.split(/\n```sh\n/)[1]
        ?.split('\n```')[0] ?? '';
    const commands = quickStart.split('\n').map((line) => line.replace(/\s+#.*$/, '').trim());
    expect(commands).toEqual(['npm ci && npm start', 'npm test']);
  });
});
