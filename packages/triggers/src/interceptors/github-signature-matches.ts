import { constantTimeEqual } from './constant-time-equal.ts';

const wellFormed = /^sha256=[0-9a-fA-F]{64}$/;
/** Every signature's length: `sha256=` and the HMAC's 64 hex digits. */
const signatureLength = 71;

/**
 * Whether an `X-Hub-Signature-256` value is the expected `sha256=<lower-case hex>` HMAC. Hex digits
 * may come in either case: GitHub sends lower case, but its own Go library (go-github
 * `ValidateSignature`, `hex.DecodeString`) accepts upper case, and so do proxies that re-sign.
 * The length of a signature is public, so values are compared as they are, not hashed first.
 */
export function githubSignatureMatches(given: string, expected: string): boolean {
  const normalised = wellFormed.test(given) ? `sha256=${given.slice(7).toLowerCase()}` : given;
  return constantTimeEqual(normalised, expected, { publicLength: signatureLength });
}
