import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, redisForTest } from '@signalbox/testkit';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const { url, prefix } = redisForTest(import.meta.url);
const tmp = mkdtempSync(join(tmpdir(), 'sb-quick-start-'));
const clone = join(tmp, 'signalbox');
let start: ChildProcess | undefined;
afterAll(() => {
  if (start?.pid && start.exitCode === null && start.signalCode === null) process.kill(-start.pid, 'SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
});

/**
 * `npm ci` in the clone would take minutes (and the network): the clone gets this checkout's
 * installed dependencies instead, each a symlink, while its own workspace packages
 * (`node_modules/@signalbox/*` and the `.bin` entries, relative links) point into the clone — so
 * the code under test is the clone's, committed HEAD, not this working tree.
 */
function installLikeNpmCi(into: string): void {
  const modules = join(into, 'node_modules');
  mkdirSync(modules);
  for (const name of readdirSync(join(root, 'node_modules'))) {
    const from = join(root, 'node_modules', name);
    if (name === '@signalbox' || name === '.bin')
      cpSync(from, join(modules, name), { recursive: true, verbatimSymlinks: true });
    else symlinkSync(from, join(modules, name));
  }
}

async function until<T>(what: string, ms: number, probe: () => T | undefined, log: () => string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${log()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("the README's quick start, as a newcomer runs it", () => {
  it('npm ci && npm start in a fresh clone, then signalbox demo: PipelineRun files, the manifest branch, the Slack console lines', async () => {
    execFileSync('git', ['clone', '--quiet', root, clone]);
    installLikeNpmCi(clone);
    // No kubeconfig and no tokens: a HOME of its own. Redis: this test run's (local mode would
    // start a redis-server of its own on 6379 otherwise).
    const home = join(tmp, 'home');
    mkdirSync(home);
    const env = {
      PATH: process.env.PATH,
      HOME: home,
      REDIS_URL: url,
      SIGNALBOX_QUEUE_PREFIX: prefix,
      PORT: String(await freePort()),
      ADMIN_PORT: String(await freePort()),
      LOG_FORMAT: 'json',
    };
    let out = '';
    start = spawn('npm', ['start'], { cwd: clone, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    start.stdout?.on('data', (c: Buffer) => (out += c.toString()));
    start.stderr?.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<string>((resolve) =>
      start?.once('exit', (code, signal) => resolve(signal ?? String(code))),
    );
    await until(
      'npm start to be up',
      60_000,
      () => {
        if (start?.exitCode !== null || start?.signalCode !== null)
          throw new Error(`npm start exited\n${out}`);
        return out.includes('"msg":"signalbox started"') ? true : undefined;
      },
      () => out,
    );

    const demo = spawn(join(clone, 'node_modules', '.bin', 'signalbox'), ['demo'], {
      cwd: clone,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let demoOut = '';
    demo.stdout.on('data', (c: Buffer) => (demoOut += c.toString()));
    demo.stderr.on('data', (c: Buffer) => (demoOut += c.toString()));
    // The demo waits up to 30 s per step and names a step that produced nothing.
    const code = await new Promise<number | null>((resolve) => demo.once('exit', resolve));
    expect(code, demoOut).toBe(0);

    // 1. The push changed microservices/api/: its PipelineRun file, and none for web.
    const tag = /org\/team-a@([0-9a-f]{7}) changes microservices\/api\//.exec(demoOut)?.[1];
    expect(tag, demoOut).toBeDefined();
    const runs = readdirSync(join(clone, 'out', 'team-a-ci')).filter((f) => f.endsWith('.yaml'));
    expect(runs).toEqual([expect.stringMatching(/^build-api-[a-z0-9]{10}\.yaml$/)]);
    expect(demoOut).toContain(`PipelineRun written: out/team-a-ci/${runs[0]}`);
    // The 202 names the object by the name it was created under.
    expect(demoOut).toContain(`ci-api fired → PipelineRun ${runs[0]?.replace(/\.yaml$/, '')}`);
    const run = readFileSync(join(clone, 'out', 'team-a-ci', runs[0] ?? ''), 'utf8');
    expect(run).toContain('value: harbor.example.com/team-a/api');
    expect(run).toContain(`value: ${tag}`);

    // 2. Harbor push + clean scan: the manifest branch in the local manifests repository.
    const manifests = join(clone, '.signalbox', 'manifests');
    const subject = execFileSync('git', [
      '-C',
      manifests,
      'log',
      '-1',
      '--format=%s',
      'signalbox/team-a-api-main',
    ])
      .toString()
      .trim();
    expect(subject).toBe(`[Update manifest] harbor.example.com/team-a/api:${tag}`);
    const diff = execFileSync('git', [
      '-C',
      manifests,
      'diff',
      'main',
      'signalbox/team-a-api-main',
    ]).toString();
    expect(diff).toContain(`+    newTag: "${tag}"`);
    expect(demoOut).toContain(
      `manifest branch signalbox/team-a-api-main in .signalbox/manifests: ${subject}`,
    );

    // 3. The notifier's console lines, on the npm start terminal.
    const slack = await until(
      'three Slack console lines',
      10_000,
      () => {
        const lines = out.split('\n').filter((l) => l.startsWith('slack #C07A1B2C3D4 [team-a-images]'));
        return lines.length >= 3 ? lines : undefined;
      },
      () => out,
    );
    expect(slack.map((l) => l.split(' ')[4])).toEqual([
      'image.pushed',
      'scan.completed',
      'manifest.branch_ready',
    ]);
    expect(slack[0]).toContain(`harbor.example.com/team-a/api:${tag}`);
    expect(demoOut).toMatch(
      /notifier: image\.pushed delivered, scan\.completed delivered, manifest\.branch_ready delivered/,
    );

    // Ctrl-C in the terminal: SIGINT to the whole foreground group (npm, sh, signalbox) at once.
    if (start.pid) process.kill(-start.pid, 'SIGINT');
    // npm re-raises the SIGINT once its script has ended: the shell sees npm killed by SIGINT
    // (status 130) although Signalbox drained and exited 0 — what the README tells the user.
    expect(await exited).toBe('SIGINT');
    expect(out).toContain('"msg":"shutdown complete"');
    expect(out).not.toContain('second signal');
    expect(existsSync(join(clone, '.signalbox', 'manifests', '.git'))).toBe(true);
  });
});
