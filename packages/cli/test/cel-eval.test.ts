import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../bin/signalbox.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'sb-cel-'));
const file = (name: string, text: string) => {
  mkdirSync(join(dir, name, '..'), { recursive: true });
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};
const cli = (args: string[], stdin?: string) =>
  spawnSync(process.execPath, [bin, 'cel', 'eval', ...args], { input: stdin, encoding: 'utf8' });

// Each case spawns the CLI (a Node 24 start with TypeScript stripping): seconds on a busy machine.
describe('signalbox cel eval (DESIGN.md §Interfaces)', { timeout: 30_000 }, () => {
  it('prints the value as JSON and exits 0, with every input an option names', () => {
    file('secrets/gh/token', 's3cret');
    const r = cli([
      '--expr',
      "[header.canonical('x-github-event'), header['X-Multi'], requestURL.parseURL().query.a, extensions.n + 1.0, body.sha.truncate(7), 's3cret'.compareSecret('token', 'gh')]",
      '--body',
      file('body.json', '{"sha":"6113728f27ae82c7b1a177c8d03f9e96e0adf246"}'),
      '--header',
      file('header.json', '{"x-github-event":"push","x-multi":["a","b"]}'),
      '--request-url',
      '/hooks/gh?a=1',
      '--extensions',
      file('ext.json', '{"n":1}'),
      '--secrets-dir',
      join(dir, 'secrets'),
    ]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(['push', ['a', 'b'], '1', 2, '6113728', true]);
  });

  it('reads a FILE of - from stdin, and an empty body as {} (as Tekton does)', () => {
    const r = cli(['--expr', 'body.items.map(i, i.name)', '--body', '-'], '{"items":[{"name":"a"}]}');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('["a"]\n');
    const empty = cli(['--expr', 'body', '--body', '-'], '');
    expect(empty.stdout).toBe('{}\n');
  });

  it.each([
    ['a parse error', ['--expr', 'body.a =='], /Unexpected token: EOF \(at column 10\)/],
    ['a check error', ['--expr', "body.ref.startWith('x')"], /no matching overload/],
    ['an evaluation error', ['--expr', 'body.missing == 1'], /No such key: missing/],
    ['a regex the linear engine cannot run', ['--expr', "'a'.matches('(a)\\\\1')"], /backreferences/],
    ['a body that is not JSON', ['--expr', 'body', '--body', file('bad.json', '{')], /not JSON/],
    [
      'a header value that is not a string',
      ['--expr', 'header', '--header', file('h.json', '{"a":1}')],
      /a must be/,
    ],
    ['a value JSON cannot hold', ['--expr', '0.0 / 0.0'], /cannot represent NaN/],
  ])('exits 1 with the message on stderr on %s', (_what, args, message) => {
    const r = cli(args);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
  });
});
