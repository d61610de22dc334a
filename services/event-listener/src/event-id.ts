import { hash } from 'node:crypto';

function uuidFrom(text: string): string {
  const h = hash('sha256', text);
  // RFC 4122 layout with version 8 (custom) and the variant bits set.
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((Number.parseInt(h[16] ?? '0', 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const bodyHashPrefix = 'sha256:';

/** A delivery id made from the body (a sender that names no delivery: Harbor). */
export function isBodyHash(deliveryId: string): boolean {
  return deliveryId.startsWith(bodyHashPrefix);
}

/**
 * Identity of one delivery. GitHub names it (`X-GitHub-Delivery`, kept on redelivery); Harbor
 * sends no id and retries byte-identical bodies, so the body hash names it. The event id is
 * derived from it, so a redelivery after a 503 re-adds the very same job ids (no duplicates).
 */
export function deliveryIdentity(
  listener: string,
  headers: Readonly<Record<string, string | readonly string[] | undefined>>,
  rawBody: Buffer,
): { deliveryId: string; eventID: string } {
  const github = headers['x-github-delivery'];
  const deliveryId =
    typeof github === 'string' && github.length > 0 && github.length <= 128
      ? github
      : `${bodyHashPrefix}${hash('sha256', rawBody)}`;
  return { deliveryId, eventID: uuidFrom(`${listener}\u0000${deliveryId}`) };
}
