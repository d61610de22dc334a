import { createHash } from 'node:crypto';

const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const labelName = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Annotation keeping the original text of every label value that had to change. */
export const originalLabelsAnnotation = 'signalbox.dev/original-labels';

function validKey(key: string): boolean {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  return (
    (prefix === undefined || (prefix.length <= 253 && dnsSubdomain.test(prefix))) &&
    name.length <= 63 &&
    labelName.test(name)
  );
}

/**
 * Makes a label value valid (≤ 63 characters of `[A-Za-z0-9._-]`, alphanumeric at both ends):
 * other characters become `-`; a value that had to be cut keeps a hash suffix so two long
 * branches stay distinct. `feature/x` → `feature-x`.
 */
export function toLabelValue(value: string): string {
  if (labelValue.test(value) && value.length <= 63) return value;
  let v = value.replace(/[^A-Za-z0-9._-]/g, '-');
  if (v.length > 63) v = `${v.slice(0, 52)}-${createHash('sha256').update(value).digest('hex').slice(0, 10)}`;
  v = v.replace(/^[^A-Za-z0-9]+/, '').replace(/[^A-Za-z0-9]+$/, '');
  return v;
}

/**
 * Event text ends up in labels (a branch, a PR title); Kubernetes rejects invalid ones with 422
 * and the run would never start. Values are made valid, keys that cannot be labels are dropped,
 * and the originals are kept in one annotation (annotations take any text).
 */
export function sanitizeMetadata(metadata: Record<string, unknown>): Record<string, unknown> {
  const labels = (metadata.labels ?? {}) as Record<string, unknown>;
  const fixed: Record<string, string> = {};
  const originals: Record<string, string> = {};
  for (const [key, raw] of Object.entries(labels)) {
    const value = String(raw);
    if (!validKey(key)) {
      originals[key] = value;
      continue;
    }
    const safe = toLabelValue(value);
    if (safe !== value) originals[key] = value;
    fixed[key] = safe;
  }
  const annotations = Object.fromEntries(
    Object.entries((metadata.annotations ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)]),
  );
  if (Object.keys(originals).length > 0) annotations[originalLabelsAnnotation] = JSON.stringify(originals);
  return {
    ...metadata,
    labels: fixed,
    ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
  };
}
