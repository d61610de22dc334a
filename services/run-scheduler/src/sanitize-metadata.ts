import { createHash } from 'node:crypto';
import { metadataKeys, signalboxKeyPrefix } from '@signalbox/contracts';
import { cutText } from './cut-text.ts';

const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const labelName = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Annotation keeping the original text of every label value that had to change. */
export const originalLabelsAnnotation = metadataKeys.originalLabels;

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

/** Annotation keeping annotations whose keys Kubernetes would reject. */
export const invalidAnnotationsAnnotation = metadataKeys.invalidAnnotations;

/** apimachinery's TotalAnnotationSizeLimitB: keys and values together, in bytes. */
const annotationBudget = 256 * 1024;

/**
 * Bytes of each text inside the JSON annotations Signalbox writes (correlation, original labels,
 * invalid annotations): they stay small, so they never need cutting as a whole — a cut JSON value
 * is no longer JSON, and the status watcher parses the correlation back.
 */
export const jsonFieldBytes = 1024;

/** Each string value of `record` cut to `jsonFieldBytes`, for a JSON annotation. */
export function boundedFields<T extends Record<string, unknown>>(record: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record))
    out[k] = typeof v === 'string' ? cutText(v, jsonFieldBytes) : v;
  return out as T;
}

/**
 * Keeps the annotations within the apiserver's total size by cutting the longest values (a
 * commit message, a PR body) first; a cut value says how much was cut. Signalbox's own
 * `signalbox.dev/` annotations are bounded when written and never cut here (a cut JSON value
 * would not parse).
 */
function fitAnnotations(annotations: Record<string, string>): Record<string, string> {
  const size = () =>
    Object.entries(annotations).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
  let excess = size() - annotationBudget;
  while (excess > 0) {
    const [key, value] =
      Object.entries(annotations)
        .filter(([k]) => !k.startsWith(signalboxKeyPrefix))
        .sort((a, b) => b[1].length - a[1].length)[0] ?? [];
    if (key === undefined || value === undefined || value.length === 0) break;
    annotations[key] = cutText(value, Math.max(0, Buffer.byteLength(value) - excess - 64));
    excess = size() - annotationBudget;
  }
  return annotations;
}

/**
 * Event text ends up in labels (a branch, a PR title) and annotations; Kubernetes rejects an
 * invalid label or oversized annotations with 422 and the run would never start. Label values
 * are made valid, label keys that cannot be labels are dropped, and the originals are kept in
 * one annotation (annotations take any text); annotations with invalid keys are kept under one
 * valid key; annotation values are cut to fit the 256 KiB total.
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
  const annotations: Record<string, string> = {};
  const invalid: Record<string, string> = {};
  for (const [key, raw] of Object.entries((metadata.annotations ?? {}) as Record<string, unknown>)) {
    const value = typeof raw === 'string' ? raw : JSON.stringify(raw);
    if (validKey(key)) annotations[key] = value;
    else invalid[key] = value;
  }
  if (Object.keys(originals).length > 0) {
    annotations[originalLabelsAnnotation] = JSON.stringify(boundedFields(originals));
  }
  if (Object.keys(invalid).length > 0) {
    annotations[invalidAnnotationsAnnotation] = JSON.stringify(boundedFields(invalid));
  }
  return {
    ...metadata,
    labels: fixed,
    ...(Object.keys(annotations).length > 0 ? { annotations: fitAnnotations(annotations) } : {}),
  };
}
