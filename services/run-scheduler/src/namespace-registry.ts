import type { Redis } from 'ioredis';

/** The namespaces Signalbox has created runs in, shared by every replica through Redis. */
export interface NamespaceRegistry {
  /** Remembers `namespace` (one Redis write per namespace and process). */
  record(namespace: string): Promise<void>;
  list(): Promise<string[]>;
}

/**
 * Runs land in the template's namespace or the listener's, which the config may change at any
 * time; the status watcher follows every namespace recorded here, so a new target namespace is
 * watched without restarting or reconfiguring the scheduler. Key: `<prefix>:run-namespaces`.
 */
export function createNamespaceRegistry(redis: Redis, prefix: string): NamespaceRegistry {
  const key = `${prefix}:run-namespaces`;
  const known = new Set<string>();
  return {
    async record(namespace) {
      if (known.has(namespace)) return;
      await redis.sadd(key, namespace);
      known.add(namespace);
    },
    async list() {
      return (await redis.smembers(key)).sort();
    },
  };
}
