import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

/** The lock is someone else's for longer than the caller wanted to wait: retry the job later. */
export class RepoBusyError extends Error {
  readonly code = 'REPO_BUSY';
  constructor(key: string) {
    super(`another worker is updating ${key}; will retry`);
    this.name = 'RepoBusyError';
  }
}

// KEYS[1] lock key · ARGV[1] our token · ARGV[2] ttl (ms): extend only while the lock is ours.
const extendScript = `
local key, token, ttl = KEYS[1], ARGV[1], ARGV[2]
if redis.call('GET', key) == token then return redis.call('PEXPIRE', key, ttl) end
return 0`;

// KEYS[1] lock key · ARGV[1] our token: release only our own lock (it may have expired and been taken).
const releaseScript = `
local key, token = KEYS[1], ARGV[1]
if redis.call('GET', key) == token then return redis.call('DEL', key) end
return 0`;

export interface RepoLockOptions {
  /** Lock lifetime (ms), renewed every third of it while the work runs; a killed holder frees it within this. */
  readonly ttlMs: number;
  /** How long to wait for a busy lock before giving the job back (ms). */
  readonly waitMs: number;
  /** Where a lock lost under its holder, or a failed renewal or release, is reported (the job's logger). */
  readonly logger?: { warn(fields: object, message: string): void };
}

/**
 * Runs `work` while holding a Redis lock on one target repository, so two workers (or two jobs
 * of one worker) never rebuild, commit and push the same branch at once — the race Argo CD
 * Image Updater and Flux users hit in monorepos. If the lock cannot be renewed (Redis lost it),
 * `work` still finishes, but the lease-protected push is what keeps the branch safe then.
 */
export async function withRepoLock<T>(
  redis: Redis,
  key: string,
  options: RepoLockOptions,
  work: () => Promise<T>,
): Promise<T> {
  const token = randomUUID();
  const deadline = Date.now() + options.waitMs;
  for (;;) {
    if ((await redis.set(key, token, 'PX', options.ttlMs, 'NX')) === 'OK') break;
    if (Date.now() >= deadline) throw new RepoBusyError(key);
    await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
  }
  // Once per holding: a renewal every third of the TTL would otherwise repeat it many times.
  let reported = false;
  const report = (message: string, err?: unknown) => {
    if (reported) return;
    reported = true;
    options.logger?.warn({ key, ...(err instanceof Error ? { err: err.message } : {}) }, message);
  };
  const renew = setInterval(
    () =>
      void redis.eval(extendScript, 1, key, token, options.ttlMs).then(
        (extended) => {
          if (extended === 0)
            report(
              'repo lock lost before the work finished (expired or taken); the lease-protected push still guards the branch',
            );
        },
        (err: unknown) =>
          report('repo lock renewal failed; the lease-protected push still guards the branch', err),
      ),
    Math.max(100, Math.floor(options.ttlMs / 3)),
  );
  try {
    return await work();
  } finally {
    clearInterval(renew);
    await redis
      .eval(releaseScript, 1, key, token)
      .catch((err: unknown) => report('repo lock release failed; it expires by itself within its TTL', err));
  }
}
