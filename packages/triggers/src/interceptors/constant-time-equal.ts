import { hash, timingSafeEqual } from 'node:crypto';

/**
 * Compares two secrets in constant time whatever their lengths (both are hashed first).
 *
 * `publicLength`: the length every valid value has and anyone may know — a signature's hex, not a
 * token. Values of that length are then compared byte for byte and any other value is unequal at
 * once, so the time taken tells only what was already public; the two hashes are saved, which
 * matters where every webhook delivery is compared.
 */
export function constantTimeEqual(
  a: string | Buffer,
  b: string | Buffer,
  options: { publicLength?: number } = {},
): boolean {
  const { publicLength } = options;
  if (publicLength === undefined) {
    return timingSafeEqual(hash('sha256', a, 'buffer'), hash('sha256', b, 'buffer'));
  }
  const x = typeof a === 'string' ? Buffer.from(a) : a;
  const y = typeof b === 'string' ? Buffer.from(b) : b;
  if (x.length !== publicLength || y.length !== publicLength) return false;
  return timingSafeEqual(x, y);
}
