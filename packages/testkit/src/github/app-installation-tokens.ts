import { createPublicKey, randomBytes, verify } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Credentials } from './credentials.ts';
import { send, sendError, timestamp } from './respond.ts';

/** A GitHub App the fake knows: its id, the public half of its key, and where it is installed. */
export interface FakeGitHubApp {
  readonly appId: number;
  /** PEM public key (or the private key; only its public half is used) to verify the JWT's RS256 signature. */
  readonly publicKey: string;
  /** The bot's login is `<slug>[bot]` (default `signalbox`). */
  readonly slug?: string;
  readonly installationIds: readonly number[];
}

const b64url = (s: string) => Buffer.from(s, 'base64url');

/**
 * Why GitHub would refuse this app JWT, or undefined when it is good: RS256, signed by the app's
 * key, `iss` the app id, issued no later than 60 s from now and expiring within 10 minutes.
 */
function jwtProblem(jwt: string, app: FakeGitHubApp, now: number): string | undefined {
  const [h, p, sig] = jwt.split('.');
  if (!h || !p || !sig) return 'A JSON web token could not be decoded';
  const header = JSON.parse(b64url(h).toString()) as { alg?: string };
  const claims = JSON.parse(b64url(p).toString()) as { iss?: unknown; iat?: number; exp?: number };
  if (header.alg !== 'RS256') return "'alg' must be RS256";
  if (!verify('sha256', Buffer.from(`${h}.${p}`), createPublicKey(app.publicKey), b64url(sig)))
    return 'A JSON web token could not be decoded';
  if (String(claims.iss) !== String(app.appId)) return "'Issuer' claim ('iss') must be an Integer";
  const seconds = now / 1000;
  if (typeof claims.iat !== 'number' || claims.iat > seconds + 60)
    return "'Issued at' claim ('iat') must be an Integer representing a time in the past";
  if (typeof claims.exp !== 'number' || claims.exp <= seconds)
    return "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires";
  if (claims.exp - claims.iat > 600) return "'Expiration time' claim ('exp') is too far in the future";
  return undefined;
}

/**
 * `POST /app/installations/{id}/access_tokens` with the app's JWT as Bearer: a fresh installation
 * token (valid one hour, accepted for REST and git from then on, its login the app's bot), 401 for
 * a bad JWT, 404 for an installation the app does not have.
 */
export function issueInstallationToken(
  req: IncomingMessage,
  res: ServerResponse,
  installationId: number,
  app: FakeGitHubApp | undefined,
  credentials: Credentials,
) {
  const jwt = /^bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
  if (!app || !jwt) return sendError(res, 401, 'A JSON web token could not be decoded');
  let problem: string | undefined;
  try {
    problem = jwtProblem(jwt, app, Date.now());
  } catch {
    problem = 'A JSON web token could not be decoded';
  }
  if (problem) return sendError(res, 401, problem);
  if (!app.installationIds.includes(installationId)) return sendError(res, 404, 'Not Found');
  const token = `ghs_${randomBytes(18).toString('base64url')}`;
  credentials.add(token, `${app.slug ?? 'signalbox'}[bot]`);
  send(res, 201, {
    token,
    expires_at: timestamp(Date.now() + 3600_000),
    permissions: { contents: 'write', pull_requests: 'write', statuses: 'write', metadata: 'read' },
    repository_selection: 'all',
  });
}
