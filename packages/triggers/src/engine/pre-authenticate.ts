import type { ListenerAuthentication } from '../config/listener-authentication.ts';
import {
  type BodySignatureVerifier,
  bodySignatureVerifier,
} from '../interceptors/body-signature-verifier.ts';
import { constantTimeEqual } from '../interceptors/constant-time-equal.ts';
import type { SecretStore } from '../types.ts';

/** What the headers alone say about a request, before its body is read. */
export type PreAuthentication =
  /** The listener allows unauthenticated senders, or a Harbor `Authorization` matched. */
  | { readonly outcome: 'accepted' }
  /** No configured secret can authenticate it: answer 401 without reading the body. */
  | { readonly outcome: 'refused'; readonly reason: string }
  /** A GitHub signature that only the body can confirm: stream it through `verifier`. */
  | { readonly outcome: 'verify-body'; readonly verifier: BodySignatureVerifier };

type Headers = Readonly<Record<string, string | readonly string[] | undefined>>;

const one = (value: string | readonly string[] | undefined) =>
  typeof value === 'string' && value !== '' ? value : undefined;

/**
 * Decides from the headers, by the listener's `ListenerAuthentication`, whether a request can be
 * authenticated at all. This is a gate in front of the body, not the verdict: the trigger engine
 * still checks every interceptor's secret on the parsed request. `headers` are Node's (lower case).
 */
export function preAuthenticate(
  auth: ListenerAuthentication,
  headers: Headers,
  secrets: SecretStore,
): PreAuthentication {
  if (auth.allowUnauthenticated) return { outcome: 'accepted' };
  const read = (refs: ListenerAuthentication['github']) =>
    refs.flatMap((r) => {
      const secret = secrets.read(r.secretName, r.secretKey);
      return secret ? [secret] : [];
    });
  const authorization = one(headers.authorization);
  if (authorization && auth.harbor.length > 0) {
    // Every secret is compared (no early exit), so the time does not tell which one matched.
    let matched = false;
    for (const secret of read(auth.harbor)) matched = constantTimeEqual(authorization, secret) || matched;
    if (matched) return { outcome: 'accepted' };
  }
  const signature = one(headers['x-hub-signature-256']);
  if (signature && auth.github.length > 0) {
    const keys = read(auth.github);
    if (keys.length > 0) return { outcome: 'verify-body', verifier: bodySignatureVerifier(keys, signature) };
  }
  const expected = [
    ...(auth.github.length > 0 ? ['X-Hub-Signature-256'] : []),
    ...(auth.harbor.length > 0 ? ['Authorization'] : []),
  ].join(' or ');
  const given = [...(signature ? ['X-Hub-Signature-256'] : []), ...(authorization ? ['Authorization'] : [])];
  return {
    outcome: 'refused',
    reason:
      given.length === 0
        ? `no ${expected} header`
        : `${given.join(' and ')} matched no configured secret (or the secret is missing)`,
  };
}
