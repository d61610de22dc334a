import { createHash } from 'node:crypto';

/**
 * Builds a deterministic BullMQ job id from its parts. BullMQ rejects custom ids containing `:`
 * (its key separator), and trigger names are free text, so parts are hashed into a fixed-size,
 * separator-free id with a readable prefix.
 */
export function jobId(prefix: string, ...parts: Array<string | number>): string {
  const hash = createHash('sha256').update(parts.map(String).join('\u0000')).digest('hex').slice(0, 32);
  return `${prefix}-${hash}`;
}
