import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../bin/signalbox.js', import.meta.url));
const cli = (args: string[]) =>
  spawnSync(process.execPath, [bin, 'manifests', 'set-image', ...args], { encoding: 'utf8' });

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'sb-set-image-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

const image = 'harbor.example.com/team-a/api';
const digest = `sha256:${'ab'.repeat(32)}`;

// Each case spawns the CLI (a Node 24 start with TypeScript stripping): seconds on a busy machine.
describe('signalbox manifests set-image (DESIGN.md §Interfaces)', { timeout: 30_000 }, () => {
  it('prints each changed file relative to --dir, edits only the reference, exits 0', () => {
    const dir = tree({
      'apps/api/kustomization.yaml': `images:\n  - name: ${image}\n    newTag: "1.0.0" # release\n`,
      'apps/api/deploy.yaml': `spec:\n  containers:\n    - image: ${image}-gateway:1.0.0\n`,
      'charts/api/values.yaml': `image:\n  repository: ${image}\n  tag: 1.0.0\n`,
    });
    const r = cli(['--dir', dir, '--image', image, '--tag', '1.1.0']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('apps/api/kustomization.yaml\ncharts/api/values.yaml\n');
    expect(readFileSync(join(dir, 'apps/api/kustomization.yaml'), 'utf8')).toBe(
      `images:\n  - name: ${image}\n    newTag: "1.1.0" # release\n`,
    );
    expect(readFileSync(join(dir, 'apps/api/deploy.yaml'), 'utf8')).toBe(
      `spec:\n  containers:\n    - image: ${image}-gateway:1.0.0\n`,
    );
  });

  it('pins tag@digest with --pin, and prints nothing when run again', () => {
    const dir = tree({ 'deploy.yaml': `image: ${image}:1.0.0\n` });
    const args = [
      '--dir',
      dir,
      '--image',
      image,
      '--tag',
      '1.1.0',
      '--digest',
      digest,
      '--pin',
      'tag@digest',
    ];
    const first = cli(args);
    expect(first.stdout).toBe('deploy.yaml\n');
    expect(readFileSync(join(dir, 'deploy.yaml'), 'utf8')).toBe(`image: ${image}:1.1.0@${digest}\n`);
    const again = cli(args);
    expect([again.status, again.stdout, again.stderr]).toEqual([0, '', '']);
  });

  it('reports a file it cannot parse on stderr as path: message, still exits 0', () => {
    const dir = tree({ 'bad.yaml': `image: ${image}:1.0.0\n  x: [\n`, 'ok.yaml': `image: ${image}:1.0.0\n` });
    const r = cli(['--dir', dir, '--image', image, '--tag', '2.0.0']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('ok.yaml\n');
    expect(r.stderr).toMatch(/^bad\.yaml: not valid YAML: /);
    expect(readFileSync(join(dir, 'bad.yaml'), 'utf8')).toBe(`image: ${image}:1.0.0\n  x: [\n`);
  });

  it.each([
    [
      'a missing --dir',
      ['--dir', join(tmpdir(), 'sb-no-such-dir'), '--image', image, '--tag', '1'],
      /not found/,
    ],
    ['a bad tag', ['--dir', tmpdir(), '--image', image, '--tag', '-x'], /invalid tag "-x"/],
    [
      'a bad digest',
      ['--dir', tmpdir(), '--image', image, '--tag', '1', '--digest', 'md5:1'],
      /invalid digest/,
    ],
    [
      'a digest pin without digest',
      ['--dir', tmpdir(), '--image', image, '--tag', '1', '--pin', 'digest'],
      /needs a digest/,
    ],
    [
      'an image with a tag',
      ['--dir', tmpdir(), '--image', `${image}:1`, '--tag', '1'],
      /invalid image repository/,
    ],
    ['no --tag', ['--dir', tmpdir(), '--image', image], /--tag/],
  ])('refuses %s: message on stderr, exit 1, nothing on stdout', (_name, args, message) => {
    const r = cli(args);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
  });
});
