import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import Bottleneck from 'bottleneck';

/** Octokit as the manifest-updater builds it: REST plus the retry and throttling plugins. */
const ThrottledOctokit = Octokit.plugin(retry, throttling);

/** What the throttling plugin reported, for assertions. */
export interface ThrottleEvents {
  secondary: number[];
  primary: number[];
}

/**
 * An Octokit against the fake with both plugins on. The plugin's write spacing (1 s, 3 s for PRs,
 * shared by every instance in the process) is replaced by unspaced groups so tests do not crawl;
 * rate-limit handling and retries stay real, with `retryBaseMs` as plugin-retry's base delay.
 */
export function octokitFor(
  baseUrl: string,
  token: string,
  retryBaseMs = 10,
): { octokit: Octokit; events: ThrottleEvents } {
  const events: ThrottleEvents = { secondary: [], primary: [] };
  const group = () => new Bottleneck.Group({ maxConcurrent: 1, minTime: 0 });
  const octokit = new ThrottledOctokit({
    baseUrl,
    auth: token,
    retry: { retryAfterBaseValue: retryBaseMs },
    throttle: {
      id: `test-${Math.random()}`,
      write: group(),
      notifications: group(),
      onRateLimit: (after: number) => {
        events.primary.push(after);
        return events.primary.length <= 2;
      },
      onSecondaryRateLimit: (after: number) => {
        events.secondary.push(after);
        return events.secondary.length <= 2;
      },
    },
  });
  return { octokit, events };
}

/** The result of a git command line. */
export interface GitRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real git CLI asynchronously (the fake answers from this process, so never spawnSync),
 * with no machine config and a fixed identity.
 */
export function gitCli(
  cwd: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<GitRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'git',
      [
        '-c',
        'user.name=Updater',
        '-c',
        'user.email=updater@signalbox.invalid',
        '-c',
        'protocol.version=2',
        ...args,
      ],
      {
        cwd,
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: cwd,
          GIT_CONFIG_NOSYSTEM: '1',
          GIT_CONFIG_GLOBAL: '/dev/null',
          GIT_TERMINAL_PROMPT: '0',
          LANG: 'C',
          ...env,
        },
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Like `gitCli`, but rejects with git's stderr on failure. */
export async function gitOk(
  cwd: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<string> {
  const r = await gitCli(cwd, args, env);
  if (r.code !== 0) throw new Error(`git ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

/** A git config that answers credential prompts with the token, as the manifest-updater's helper does. */
export function tokenHelper(token: string): string[] {
  return ['-c', `credential.helper=!f() { echo username=x-access-token; echo password=${token}; }; f`];
}

/** A temp directory removed by the returned function. */
export async function tempDir(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'signalbox-gh-test-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** The parts of octokit's RequestError that tests read. */
export interface OctokitError {
  status: number;
  message: string;
  response?: { data: unknown; headers: Record<string, string | number | undefined> };
}

/** The error a request rejected with; fails when it resolved or rejected with something else. */
export async function rejected(p: Promise<unknown>): Promise<OctokitError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof Error) || typeof (err as Partial<OctokitError>).status !== 'number')
    throw new Error(`expected an octokit RequestError, got ${String(err)}`);
  return err as unknown as OctokitError;
}
