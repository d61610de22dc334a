#!/usr/bin/env node
// The image's build step: strips the TypeScript types out of every workspace's sources once, at
// build time, so the running services never load Node's type stripper (amaro, ~17 MB of RSS in
// every process). In place, on the image's copy of the tree:
//   node --disable-warning=ExperimentalWarning scripts/compile-tree.mjs packages services
// Each `src/**/*.ts` becomes `.js` (Node's own `stripTypeScriptTypes`: types become whitespace, so
// line and column numbers in stack traces stay those of the sources), relative `.ts` import
// specifiers become `.js` (in `bin/` too), and each package.json's `exports` follow. The sources
// use only erasable syntax (tsconfig `erasableSyntaxOnly`), which is what stripping supports.
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { stripTypeScriptTypes } from 'node:module';
import { join } from 'node:path';

/** A relative specifier ending in `.ts` after `from`, `import(` or a bare `import`. */
const tsSpecifier = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"\n]*?)\.ts\2/g;
const toJs = (code) =>
  code.replace(tsSpecifier, (_m, lead, quote, path) => `${lead}${quote}${path}.js${quote}`);

function* filesUnder(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* filesUnder(path);
    else yield path;
  }
}

/** A package.json's `exports` (a path or a map of them), `.ts` paths made `.js`. */
function exportsToJs(value) {
  if (typeof value === 'string') return value.replace(/\.ts$/, '.js');
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, exportsToJs(v)]));
  return value;
}

function compileWorkspace(dir) {
  const entries = new Set(readdirSync(dir));
  for (const sub of ['src', 'bin'].filter((s) => entries.has(s))) {
    for (const file of filesUnder(join(dir, sub))) {
      if (file.endsWith('.ts') && !file.endsWith('.d.ts')) {
        const js = toJs(stripTypeScriptTypes(readFileSync(file, 'utf8'), { mode: 'strip' }));
        writeFileSync(file.replace(/\.ts$/, '.js'), js);
        rmSync(file);
      } else if (/\.m?js$/.test(file)) {
        writeFileSync(file, toJs(readFileSync(file, 'utf8')));
      }
    }
  }
  const manifestPath = join(dir, 'package.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  if (manifest.exports) manifest.exports = exportsToJs(manifest.exports);
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
}

const roots = process.argv.slice(2);
if (roots.length === 0) {
  process.stderr.write('usage: compile-tree.mjs <workspaces folder>...\n');
  process.exit(2);
}
for (const root of roots)
  for (const entry of readdirSync(root, { withFileTypes: true }))
    if (entry.isDirectory() && readdirSync(join(root, entry.name)).includes('package.json'))
      compileWorkspace(join(root, entry.name));
