import { SetImageError } from '@signalbox/manifests';
import { PermanentError } from '@signalbox/runtime';
import { classifyGitHubError } from '@signalbox/triggers';
import { GitError } from './git-error.ts';
import { RepoBusyError } from './repo-lock.ts';

/** A job failure, classified: permanent failures dead-letter at once, transient ones retry. */
export interface Failure {
  readonly permanent: boolean;
  /** Stable code for logs and the update_failed notification. */
  readonly code: string;
  readonly message: string;
  readonly retryAfterMs?: number;
}

/**
 * Maps whatever an update threw to one `Failure`, by integration: our own `PermanentError`s
 * (config, secrets, a branch someone else edited), the editor's request errors (a tag it cannot
 * write), git (transient by its own message), the repository lock (busy: later), and GitHub
 * (by status, in the shared `classifyGitHubError`). Anything else is retried; the attempt budget bounds it.
 */
export function classifyFailure(err: unknown): Failure {
  if (err instanceof PermanentError) return { permanent: true, code: err.code, message: err.message };
  if (err instanceof SetImageError) {
    return {
      permanent: true,
      code: `EDIT_${err.code.toUpperCase()}`,
      message: `the editor refused the update: ${err.message}`,
    };
  }
  if (err instanceof GitError) {
    const hint = err.transient ? '' : ' — check target.repo and the token (it needs Contents read/write)';
    return { permanent: !err.transient, code: err.code, message: `${err.message}${hint}` };
  }
  if (err instanceof RepoBusyError) return { permanent: false, code: err.code, message: err.message };
  const e = err as { status?: unknown; name?: unknown };
  if (typeof e.status === 'number' || e.name === 'HttpError' || e.name === 'RequestError') {
    const c = classifyGitHubError(err, {
      what: 'updating the pull request',
      needs:
        'Contents and Pull requests read/write on the repository; a GitHub App needs those permissions and access to it',
      credential: 'the secret that the policy’s auth names (an expired or revoked PAT, a wrong App key)',
    });
    return {
      permanent: !c.transient,
      code: `GITHUB_${c.status ?? 'UNREACHABLE'}`,
      message: c.message,
      ...(c.retryAfterMs ? { retryAfterMs: c.retryAfterMs } : {}),
    };
  }
  return {
    permanent: false,
    code: 'UNEXPECTED',
    message: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
  };
}
