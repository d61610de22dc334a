import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const workspaceRoots = ['packages', 'services'];

/**
 * The `signalbox` launcher the benches start the services with: by default a copy of the
 * workspaces built as the image builds them (scripts/compile-tree.mjs: types stripped once, so no
 * service loads the type stripper), its dependencies linked from this checkout's node_modules;
 * `BENCH_TREE=sources` runs the sources as `npm start` does. Returns the launcher and what it is.
 */
export function deployedLauncher(): { cli: string; tree: string } {
  if (process.env.BENCH_TREE === 'sources')
    return { cli: join(repo, 'packages/cli/bin/signalbox.js'), tree: 'the sources (type stripping)' };
  const dir = mkdtempSync(join(tmpdir(), 'sb-built-tree-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  for (const root of workspaceRoots)
    cpSync(join(repo, root), join(dir, root), {
      recursive: true,
      filter: (src) => !/\/(node_modules|test|dist)(\/|$)|\.tsbuildinfo$/.test(src.slice(repo.length)),
    });
  execFileSync(
    process.execPath,
    ['--disable-warning=ExperimentalWarning', join(repo, 'scripts/compile-tree.mjs'), ...workspaceRoots],
    { cwd: dir, stdio: 'inherit' },
  );
  // node_modules: the checkout's packages, but our workspaces from the built copy.
  mkdirSync(join(dir, 'node_modules', '@signalbox'), { recursive: true });
  for (const name of readdirSync(join(repo, 'node_modules')))
    if (name !== '@signalbox') symlinkSync(join(repo, 'node_modules', name), join(dir, 'node_modules', name));
  for (const root of workspaceRoots)
    for (const name of readdirSync(join(dir, root))) {
      const manifest = JSON.parse(readFileSync(join(dir, root, name, 'package.json'), 'utf8')) as {
        name: string;
      };
      symlinkSync(join(dir, root, name), join(dir, 'node_modules', manifest.name));
    }
  return { cli: join(dir, 'packages/cli/bin/signalbox.js'), tree: 'built as the image builds it' };
}
