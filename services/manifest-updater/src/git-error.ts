/** A failed `git` command. `transient` is decided once, here, from git's own words. */
export class GitError extends Error {
  readonly code = 'GIT_FAILED';
  readonly transient: boolean;
  readonly stderr: string;
  constructor(command: string, stderr: string, options: { cause?: unknown; timedOut?: boolean } = {}) {
    const firstLines = stderr.trim().split('\n').slice(-3).join(' | ');
    super(`git ${command}: ${options.timedOut ? 'timed out' : firstLines || 'failed'}`, {
      cause: options.cause,
    });
    this.name = 'GitError';
    this.stderr = stderr;
    this.transient = options.timedOut === true || isTransient(stderr);
  }
}

/**
 * Network trouble, a server error, a lock left by a killed process, or a lease that went stale
 * (someone pushed our branch between fetch and push: the next attempt rebuilds from a fresh
 * fetch) are worth retrying. Authentication, a missing repository or branch are not.
 */
function isTransient(stderr: string): boolean {
  if (
    /Authentication failed|could not read Username|returned error: 40[134]|not found|does not appear to be a git repository|couldn't find remote ref/i.test(
      stderr,
    )
  ) {
    return false;
  }
  return /Could not resolve host|Connection (refused|reset|timed out)|Operation timed out|early EOF|returned error: (5\d\d|429)|RPC failed|remote end hung up|index\.lock|stale info|failed to push some refs|unable to access/i.test(
    stderr,
  );
}
