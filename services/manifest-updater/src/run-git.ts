import { execFile } from 'node:child_process';
import { GitError } from './git-error.ts';

export interface RunGitOptions {
  readonly cwd: string;
  /** The process's own HOME for git (never the machine's): a folder under the work dir. */
  readonly home: string;
  /**
   * Config given through GIT_CONFIG_COUNT/KEY/VALUE rather than `-c`, so values such as an
   * `http.extraHeader` with a token never appear in a process listing or an error message.
   */
  readonly secretConfig?: Readonly<Record<string, string>>;
  /** Extra environment (commit dates, author identity). */
  readonly env?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
}

/**
 * Runs `git` with an explicit environment: no system or global config, no terminal prompt, a
 * private HOME, C locale (git's messages are classified by text). Asynchronous on purpose: a
 * test's git server may live in the same process. Resolves stdout; rejects with a `GitError`
 * whose text has every secret value removed.
 */
export function runGit(args: readonly string[], options: RunGitOptions): Promise<string> {
  const secrets = Object.entries(options.secretConfig ?? {});
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: options.home,
    XDG_CONFIG_HOME: options.home,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: 'true',
    LC_ALL: 'C',
    GIT_CONFIG_COUNT: String(secrets.length),
    ...Object.fromEntries(
      secrets.flatMap(([key, value], i) => [
        [`GIT_CONFIG_KEY_${i}`, key],
        [`GIT_CONFIG_VALUE_${i}`, value],
      ]),
    ),
    ...options.env,
  };
  const scrub = (text: string) =>
    secrets.reduce((acc, [, value]) => (value ? acc.split(value).join('***') : acc), text);
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      args,
      { cwd: options.cwd, env, timeout: options.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const timedOut = (err as { killed?: boolean }).killed === true;
        const command = args
          .filter((a) => !a.startsWith('-c') && !a.includes('='))
          .slice(0, 2)
          .join(' ');
        reject(new GitError(command, scrub(`${stderr}${stderr ? '' : err.message}`), { timedOut }));
      },
    );
  });
}
