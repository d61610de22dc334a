import { isAbsolute, resolve } from 'node:path';
import { PermanentError } from '@signalbox/runtime';

/** Where a policy's manifests live: a GitHub (or GitHub Enterprise, or fake) repository, or a local git repository. */
export type Target =
  | { readonly kind: 'github'; readonly url: string; readonly owner: string; readonly repo: string }
  | { readonly kind: 'local'; readonly url: string; readonly path: string };

/**
 * Reads `target.repo`: an http(s) URL gives owner/name from its path (`/org/manifests.git`), so
 * GitHub Enterprise and the test fake work like github.com; anything without a scheme is a local
 * path, resolved against `cwd`. SSH URLs are refused: the token is sent as an HTTP header.
 */
export function resolveTarget(repo: string, cwd: string): Target {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(repo)) {
    const url = new URL(repo);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new PermanentError('TARGET_UNSUPPORTED', `target.repo ${repo}: use an https:// clone URL`);
    }
    if (url.username || url.password) {
      throw new PermanentError(
        'TARGET_UNSUPPORTED',
        'target.repo must not carry credentials: put the token in the secret that auth.secretRef names',
      );
    }
    const parts = url.pathname
      .replace(/\.git$/, '')
      .split('/')
      .filter(Boolean);
    const [owner, name] = parts.slice(-2);
    if (!owner || !name) {
      throw new PermanentError(
        'TARGET_UNSUPPORTED',
        `target.repo ${repo}: expected https://host/owner/name.git`,
      );
    }
    return { kind: 'github', url: url.toString(), owner, repo: name };
  }
  if (/^[^/]+@[^/]+:/.test(repo)) {
    throw new PermanentError(
      'TARGET_UNSUPPORTED',
      `target.repo ${repo}: SSH is not supported, use the https:// clone URL`,
    );
  }
  const path = isAbsolute(repo) ? repo : resolve(cwd, repo);
  return { kind: 'local', url: path, path };
}
