import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createAppAuth } from '@octokit/auth-app';
import { PermanentError } from '@signalbox/runtime';
import { createGitHubClient, type GitHubClient, type ImageUpdatePolicySpec } from '@signalbox/triggers';

/** Yields a token for one policy's Git host: a PAT read from its file, or a GitHub App installation token. */
export type TokenSource = () => Promise<string>;

const safeSegment = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

async function readSecret(secretsDir: string, ref: { secretName: string; secretKey: string }, field: string) {
  if (!safeSegment.test(ref.secretName) || !safeSegment.test(ref.secretKey)) {
    throw new PermanentError('SECRET_MISSING', `${field}: secret names must be plain file names`);
  }
  const path = join(secretsDir, ref.secretName, ref.secretKey);
  try {
    const value = (await readFile(path, 'utf8')).replace(/\r?\n$/, '');
    if (value) return value;
  } catch {
    // reported below, with the path to create
  }
  throw new PermanentError(
    'SECRET_MISSING',
    `${field}: no secret at ${path} (SIGNALBOX_SECRETS_DIR/<secretName>/<secretKey>); create it or mount the Secret`,
  );
}

/**
 * The token source for `auth`: the secret file is read on every call, so a rotated PAT applies
 * at the next job; an App's installation token is cached and renewed by @octokit/auth-app. The
 * App's JWT and token requests go to `apiUrl` (GitHub Enterprise, test fakes).
 */
export function tokenSource(
  auth: NonNullable<ImageUpdatePolicySpec['auth']>,
  options: { secretsDir: string; apiUrl: string },
): TokenSource {
  if ('secretRef' in auth) return () => readSecret(options.secretsDir, auth.secretRef, 'auth.secretRef');
  let app: GitHubClient | undefined;
  return async () => {
    if (!app) {
      const privateKey = await readSecret(
        options.secretsDir,
        auth.app.privateKeySecretRef,
        'auth.app.privateKeySecretRef',
      );
      // Octokit hands its own request (with baseUrl) to the strategy, so GHE and fakes work.
      app = createGitHubClient({
        baseUrl: options.apiUrl.replace(/\/$/, ''),
        authStrategy: createAppAuth,
        auth: { appId: Number(auth.app.appId), privateKey, installationId: Number(auth.app.installationId) },
      });
    }
    const result = (await app.auth({ type: 'installation' })) as { token: string };
    return result.token;
  };
}
