import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SetImageError, setImage } from '../src/index.ts';

const image = 'harbor.example.com/team-a/api';
const ref = (tag: string) => `image: ${image}:${tag}\n`;

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'sb-set-image-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

async function errorCode(promise: Promise<unknown>): Promise<string> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SetImageError);
  return (err as SetImageError).code;
}

describe('setImage on a directory', () => {
  it('never follows a symlink: not to a file outside dir, not to a directory outside dir', async () => {
    const outside = tree({ 'deploy.yaml': ref('1.0'), 'apps/deploy.yaml': ref('1.0') });
    const dir = tree({ 'inside.yaml': ref('1.0') });
    symlinkSync(join(outside, 'deploy.yaml'), join(dir, 'linked.yaml'));
    symlinkSync(join(outside, 'apps'), join(dir, 'apps'));

    const result = await setImage({ dir, image, tag: '2.0' });

    expect(result.changed.map((change) => change.path)).toEqual(['inside.yaml']);
    expect(readFileSync(join(outside, 'deploy.yaml'), 'utf8')).toBe(ref('1.0'));
    expect(readFileSync(join(outside, 'apps/deploy.yaml'), 'utf8')).toBe(ref('1.0'));
  });

  it('scans only the given paths, and refuses paths that leave dir as written or through a link', async () => {
    const outside = tree({ 'deploy.yaml': ref('1.0') });
    const dir = tree({ 'a/deploy.yaml': ref('1.0'), 'b/deploy.yaml': ref('1.0'), 'c.yaml': ref('1.0') });
    symlinkSync(outside, join(dir, 'escape'));

    const result = await setImage({ dir, image, tag: '2.0', paths: ['a', 'c.yaml', 'missing'] });

    expect(result.changed.map((change) => change.path)).toEqual(['a/deploy.yaml', 'c.yaml']);
    expect(result.problems).toEqual([{ path: 'missing', message: 'no such file or directory' }]);
    expect(readFileSync(join(dir, 'b/deploy.yaml'), 'utf8')).toBe(ref('1.0'));
    expect(await errorCode(setImage({ dir, image, tag: '2.0', paths: ['../'] }))).toBe('path_outside_dir');
    expect(await errorCode(setImage({ dir, image, tag: '2.0', paths: ['escape'] }))).toBe('path_outside_dir');
    expect(readFileSync(join(outside, 'deploy.yaml'), 'utf8')).toBe(ref('1.0'));
  });

  it('skips .git and node_modules', async () => {
    const dir = tree({
      '.git/x.yaml': ref('1.0'),
      'node_modules/p/x.yaml': ref('1.0'),
      'x.yaml': ref('1.0'),
    });
    const result = await setImage({ dir, image, tag: '2.0' });
    expect(result.changed.map((change) => change.path)).toEqual(['x.yaml']);
    expect(readFileSync(join(dir, '.git/x.yaml'), 'utf8')).toBe(ref('1.0'));
    expect(readFileSync(join(dir, 'node_modules/p/x.yaml'), 'utf8')).toBe(ref('1.0'));
  });

  it('keeps the file mode, returns before/after/edits, and does not write when nothing changes', async () => {
    const dir = tree({ 'x.yaml': ref('1.0') });
    chmodSync(join(dir, 'x.yaml'), 0o640);

    const result = await setImage({ dir, image, tag: '2.0' });

    expect(result.changed).toEqual([
      {
        path: 'x.yaml',
        before: ref('1.0'),
        after: ref('2.0'),
        edits: [{ field: 'image', old: `${image}:1.0`, new: `${image}:2.0` }],
      },
    ]);
    const written = statSync(join(dir, 'x.yaml'));
    expect(written.mode & 0o777).toBe(0o640);
    const again = await setImage({ dir, image, tag: '2.0' });
    expect(again).toEqual({ changed: [], problems: [] });
    expect(statSync(join(dir, 'x.yaml')).ino).toBe(written.ino);
  });

  it('reports a file that is not UTF-8 instead of rewriting its bytes', async () => {
    const dir = tree({});
    const bytes = Buffer.concat([
      Buffer.from(`# caf\xe9 in latin-1: `, 'latin1'),
      Buffer.from(`\n${ref('1.0')}`),
    ]);
    writeFileSync(join(dir, 'x.yaml'), bytes);
    const result = await setImage({ dir, image, tag: '2.0' });
    expect(result.problems).toEqual([{ path: 'x.yaml', message: 'not UTF-8; left untouched' }]);
    expect(readFileSync(join(dir, 'x.yaml')).equals(bytes)).toBe(true);
  });

  it('throws dir_not_found for a missing dir and validates before reading anything', async () => {
    expect(await errorCode(setImage({ dir: join(tmpdir(), 'sb-missing-dir'), image, tag: '1' }))).toBe(
      'dir_not_found',
    );
    const dir = tree({ 'x.yaml': ref('1.0') });
    expect(await errorCode(setImage({ dir, image, tag: 'bad tag' }))).toBe('invalid_tag');
    expect(readFileSync(join(dir, 'x.yaml'), 'utf8')).toBe(ref('1.0'));
  });
});
