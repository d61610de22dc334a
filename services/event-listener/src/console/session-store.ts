import { createHash, randomBytes } from 'node:crypto';
import { constantTimeEqual } from '@signalbox/triggers';
import type { Redis } from 'ioredis';

/** A console session: its CSRF token, and which admin token it was opened with. */
export interface ConsoleSession {
  readonly csrf: string;
  /** SHA-256 of the admin token at login: rotating the token ends every session. */
  readonly tokenHash: string;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Console sessions in Redis, with a TTL: the cookie carries a random id, Redis keeps only its
 * hash (a copy of Redis holds no usable session) with the session's CSRF token.
 */
export function createSessionStore(redis: Redis, options: { prefix: string; ttlSeconds: number }) {
  const key = (id: string) => `${options.prefix}:console-session:${sha256(id)}`;
  return {
    ttlSeconds: options.ttlSeconds,
    /** Opens a session for whoever presented `adminToken`; returns the cookie's id. */
    async open(adminToken: string): Promise<{ id: string; session: ConsoleSession }> {
      const id = randomBytes(32).toString('base64url');
      const session = { csrf: randomBytes(32).toString('base64url'), tokenHash: sha256(adminToken) };
      await redis.set(key(id), JSON.stringify(session), 'EX', options.ttlSeconds);
      return { id, session };
    },
    /** The session behind a cookie id, if it exists and was opened with the current admin token. */
    async find(id: string | undefined, adminToken: string | undefined): Promise<ConsoleSession | undefined> {
      if (!id || !adminToken || id.length > 128) return undefined;
      const text = await redis.get(key(id));
      if (!text) return undefined;
      const session = JSON.parse(text) as ConsoleSession;
      return constantTimeEqual(session.tokenHash, sha256(adminToken)) ? session : undefined;
    },
    async close(id: string): Promise<void> {
      await redis.del(key(id));
    },
  };
}

export type SessionStore = ReturnType<typeof createSessionStore>;
