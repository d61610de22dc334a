import { PermanentError, readTokenFile } from '@signalbox/runtime';
import type { ImageUpdatePolicySpec } from '@signalbox/triggers';
import type { ActivePolicy } from './process-image-event.ts';
import { resolveTarget, type Target } from './resolve-target.ts';
import { type TokenSource, tokenSource } from './token-source.ts';

export interface ActivePolicyOptions {
  readonly cwd: string;
  readonly secretsDir: string;
  readonly apiUrl: string;
  /** SIGNALBOX_GITHUB_TOKEN_FILE: the token of policies that name no `auth`. */
  readonly fallbackTokenFile?: string | undefined;
}

/**
 * Resolves each policy's target and token source once per config load. A policy whose target
 * cannot be used is kept, with a token source that fails permanently and says why, so its jobs
 * dead-letter with the fix while the other policies keep working.
 */
export function activePolicies(
  policies: readonly { name: string; spec: ImageUpdatePolicySpec }[],
  options: ActivePolicyOptions,
): ActivePolicy[] {
  return policies.map(({ name, spec }) => {
    let target: Target;
    try {
      target = resolveTarget(spec.target.repo, options.cwd);
    } catch (err) {
      const failing: TokenSource = () => Promise.reject(err);
      return {
        name,
        spec,
        target: { kind: 'github', url: spec.target.repo, owner: '', repo: '' },
        token: failing,
      };
    }
    if (target.kind === 'local') return { name, spec, target };
    const token: TokenSource = spec.auth
      ? tokenSource(spec.auth, { secretsDir: options.secretsDir, apiUrl: options.apiUrl })
      : options.fallbackTokenFile
        ? fileToken(options.fallbackTokenFile)
        : () =>
            Promise.reject(
              new PermanentError(
                'NO_TOKEN',
                `policy ${name} targets ${spec.target.repo} but has no auth: set auth.secretRef (or auth.app) in the policy, or SIGNALBOX_GITHUB_TOKEN_FILE`,
              ),
            );
    return { name, spec, target, token };
  });
}

function fileToken(path: string): TokenSource {
  return async () => {
    const value = readTokenFile(path);
    if (!value)
      throw new PermanentError('SECRET_MISSING', `SIGNALBOX_GITHUB_TOKEN_FILE ${path} is missing or empty`);
    return value;
  };
}
