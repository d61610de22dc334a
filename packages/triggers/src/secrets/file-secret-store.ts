import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SecretStore } from '../types.ts';

const safeSegment = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Secrets as files: `<dir>/<secretName>/<secretKey>`, the layout of a mounted Kubernetes Secret
 * (so no Secret-read RBAC is needed) and a plain folder locally. One trailing newline is dropped
 * (`echo token > file` is the common way to write one); names that could escape the folder are
 * refused. Read on every call so a rotated secret applies without a restart.
 */
export function fileSecretStore(dir: string): SecretStore {
  return {
    read(secretName, secretKey) {
      if (!safeSegment.test(secretName) || !safeSegment.test(secretKey)) return undefined;
      try {
        return readFileSync(join(dir, secretName, secretKey), 'utf8').replace(/\r?\n$/, '');
      } catch {
        return undefined;
      }
    },
  };
}
