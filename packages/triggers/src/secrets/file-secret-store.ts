import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SecretStore } from '../types.ts';

const safeSegment = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Secrets as files: `<dir>/<secretName>/<secretKey>`, the layout of a mounted Kubernetes Secret
 * (so no Secret-read RBAC is needed) and a plain folder locally. One trailing newline is dropped
 * (`echo token > file` is the common way to write one); names that could escape the folder are
 * refused. Each value is cached for `ttlMs` (default 5 s, as Tekton's interceptor secret cache):
 * a rotated secret applies within that time, and a webhook burst does not read files per trigger.
 */
export function fileSecretStore(
  dir: string,
  options: { ttlMs?: number; now?: () => number } = {},
): SecretStore {
  const ttl = options.ttlMs ?? 5_000;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { value: string | undefined; until: number }>();
  return {
    read(secretName, secretKey) {
      // The cache first: only names that passed the check below are ever cached, and a webhook
      // reads the same few secrets for each of its triggers.
      const key = `${secretName}/${secretKey}`;
      const hit = cache.get(key);
      if (hit && hit.until > now()) return hit.value;
      if (!safeSegment.test(secretName) || !safeSegment.test(secretKey)) return undefined;
      let value: string | undefined;
      try {
        value = readFileSync(join(dir, secretName, secretKey), 'utf8').replace(/\r?\n$/, '');
      } catch {
        value = undefined;
      }
      if (cache.size > 1024) cache.clear();
      cache.set(key, { value, until: now() + ttl });
      return value;
    },
  };
}
