import { hash, timingSafeEqual } from 'node:crypto';

/** Compares two secrets in constant time whatever their lengths (both are hashed first). */
export function constantTimeEqual(a: string | Buffer, b: string | Buffer): boolean {
  return timingSafeEqual(hash('sha256', a, 'buffer'), hash('sha256', b, 'buffer'));
}
