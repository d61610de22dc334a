import type { SecretStore } from '../types.ts';

/** A `secretRef`'s value, or the reason a request cannot be authenticated without it. */
export function readSecret(
  secrets: SecretStore,
  ref: { secretName: string; secretKey: string },
): { secret: string } | { reason: string } {
  const secret = secrets.read(ref.secretName, ref.secretKey);
  return secret ? { secret } : { reason: `secret ${ref.secretName}/${ref.secretKey} is missing or empty` };
}
