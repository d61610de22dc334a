import { createHmac, type Hmac } from 'node:crypto';
import { githubSignatureMatches } from './github-signature-matches.ts';

/** GitHub's HMAC computed over a body as its bytes arrive, for every secret that may have signed it. */
export interface BodySignatureVerifier {
  update(chunk: Buffer): void;
  /**
   * After the last chunk: whether `X-Hub-Signature-256` matches any secret, and every HMAC by
   * secret (`sha256=<hex>`) for the trigger engine to reuse (see `InterceptorRequest.hmacs`).
   */
  finish(): { readonly authenticated: boolean; readonly hmacs: ReadonlyMap<string, string> };
}

/**
 * Streams the body through one HMAC per distinct secret: the same work as hashing the buffered
 * body once, but the verdict is known when the last byte arrives and nothing has been parsed.
 */
export function bodySignatureVerifier(secrets: readonly string[], signature: string): BodySignatureVerifier {
  const running: [string, Hmac][] = [...new Set(secrets)].map((s) => [s, createHmac('sha256', s)]);
  return {
    update(chunk) {
      for (const [, hmac] of running) hmac.update(chunk);
    },
    finish() {
      const hmacs = new Map<string, string>();
      let authenticated = false;
      for (const [secret, hmac] of running) {
        const expected = `sha256=${hmac.digest('hex')}`;
        hmacs.set(secret, expected);
        // Every secret is compared (no early exit): which one matched is not timed.
        authenticated = githubSignatureMatches(signature, expected) || authenticated;
      }
      return { authenticated, hmacs };
    },
  };
}
