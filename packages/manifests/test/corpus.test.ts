import { cpSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type SetImageOptions, setImage } from '../src/index.ts';

const corpus = fileURLToPath(new URL('./corpus', import.meta.url));

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split('\\').join('/'))
    .sort();
}

interface CaseFile extends Omit<SetImageOptions, 'dir'> {
  /** Files reported as problems (and left as they were). */
  problems: string[];
}

// Each case: input/ is copied to a temp dir, setImage runs over it, and every file must then be
// byte-identical to expected/ (files that must not change are in expected/ unchanged).
describe('setImage over the corpus (byte for byte)', () => {
  const cases = readdirSync(corpus, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();

  it.each(cases)('%s', async (name) => {
    const { problems, ...options } = JSON.parse(
      readFileSync(join(corpus, name, 'case.json'), 'utf8'),
    ) as CaseFile;
    const dir = mkdtempSync(join(tmpdir(), `sb-manifests-${name}-`));
    cpSync(join(corpus, name, 'input'), dir, { recursive: true });
    const expectedDir = join(corpus, name, 'expected');
    const expectedFiles = filesUnder(expectedDir);

    const result = await setImage({ ...options, dir });

    expect(filesUnder(dir)).toEqual(expectedFiles);
    for (const file of expectedFiles)
      expect(readFileSync(join(dir, file), 'utf8'), file).toBe(readFileSync(join(expectedDir, file), 'utf8'));
    const changed = expectedFiles.filter(
      (file) =>
        readFileSync(join(expectedDir, file), 'utf8') !==
        readFileSync(join(corpus, name, 'input', file), 'utf8'),
    );
    expect(result.changed.map((change) => change.path)).toEqual(changed);
    expect(result.problems.map((problem) => problem.path).sort()).toEqual([...problems].sort());

    const again = await setImage({ ...options, dir });
    expect(again.changed).toEqual([]);
  });
});
