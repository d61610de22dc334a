import { spawn } from 'node:child_process';

/** The author and committer of commits the fake makes itself (initial commits, `pushCommit`). */
export interface GitIdentity {
  readonly name: string;
  readonly email: string;
}

/** Who commits when a test does not say: never the machine's own git config. */
export const defaultIdentity: GitIdentity = { name: 'Signalbox Test', email: 'test@signalbox.invalid' };

/**
 * An environment for git that ignores the machine: no system or global config, a private HOME, and
 * none of the caller's `GIT_*` variables (a test run from a git hook would otherwise inherit
 * `GIT_DIR` and write to the wrong repository).
 */
export function cleanGitEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    LANG: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    ...extra,
  };
}

/**
 * Runs git asynchronously and resolves with its stdout; rejects with stderr on a non-zero exit.
 * Never synchronously: the fake serves git over HTTP from the same process, and a blocked event
 * loop would deadlock a test whose git client talks to it.
 */
export function runGit(
  args: readonly string[],
  options: { cwd: string; home: string; input?: string | Buffer; env?: Record<string, string> },
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', [...args], {
      cwd: options.cwd,
      env: cleanGitEnv(options.home, options.env),
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (c: Buffer) => out.push(c));
    child.stderr?.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      else
        reject(
          new Error(`git ${args.join(' ')} exited ${code}: ${Buffer.concat(err).toString('utf8').trim()}`),
        );
    });
    if (options.input !== undefined && child.stdin) {
      // git may exit without reading all of stdin; its exit code says what happened.
      child.stdin.on('error', () => {});
      child.stdin.end(options.input);
    }
  });
}
