import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * The tip of `branch` in the local git repository `repo`: its subject line and the files it
 * changed, or undefined while the branch does not exist (yet).
 */
export async function readBranch(
  repo: string,
  branch: string,
): Promise<{ subject: string; files: string[]; body: string } | undefined> {
  try {
    const { stdout } = await run('git', [
      '-C',
      repo,
      'log',
      '-1',
      '--format=%s%n%b%x00',
      '--name-only',
      branch,
    ]);
    const [message = '', names = ''] = stdout.split('\0');
    const [subject = '', ...body] = message.trim().split('\n');
    return { subject, body: body.join('\n').trim(), files: names.trim().split('\n').filter(Boolean) };
  } catch {
    return undefined;
  }
}
