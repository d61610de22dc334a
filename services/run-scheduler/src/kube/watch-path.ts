import type { WatchRequest } from '../run-backend.ts';

/** `/apis/<group>/<version>` or, for the core group (`v1`), `/api/v1`, then the resource. */
export function watchPath({ apiVersion, resource, namespace }: WatchRequest): string {
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  return namespace === undefined
    ? `${base}/${resource}`
    : `${base}/namespaces/${encodeURIComponent(namespace)}/${resource}`;
}
