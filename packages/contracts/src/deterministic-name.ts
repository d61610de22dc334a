import { hash } from 'node:crypto';

const alphabet = 'bcdfghjklmnpqrstvwxz2456789';

/** A short, DNS-safe hash (the apiserver's generateName alphabet, so names look familiar). */
function shortHash(text: string, length = 10): string {
  // One-shot hash(): a third of createHash()'s cost, paid once per resource in the listener and
  // again in the run-scheduler.
  const bytes = hash('sha256', text, 'buffer');
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[(bytes[i] ?? 0) % alphabet.length];
  return out;
}

/**
 * A generateName made fit to precede the hash in a DNS subdomain: lower case, and every
 * dot-separated part starting and ending alphanumeric (no `..`, `.-`, `-.`). The last part may
 * end in `-` or be empty: the hash follows it.
 */
function dnsPrefix(raw: string): string {
  const parts = raw
    .toLowerCase()
    .replace(/[^a-z0-9.-]/g, '-')
    .split('.');
  const last = (parts.pop() ?? '').replace(/^-+/, '');
  const inner = parts.map((p) => p.replace(/^-+|-+$/g, '')).filter(Boolean);
  return [...inner, last].join('.').replace(/^\./, '');
}

/**
 * The name an object is created under. A fixed `metadata.name` is kept; a `generateName` becomes
 * prefix + a hash of (eventID, trigger, index), so a retried or redelivered job asks for the same
 * name and a 409 AlreadyExists means "already done" (generateName alone gives no idempotency).
 * Tekton's webhook rejects run names over 63 characters; other objects may use 253.
 */
export function deterministicName(
  object: { apiVersion?: unknown; metadata?: { name?: unknown; generateName?: unknown } },
  identity: { eventId: string; trigger: string; index: number },
): string {
  if (typeof object.metadata?.name === 'string' && object.metadata.name) return object.metadata.name;
  const max = String(object.apiVersion ?? '').startsWith('tekton.dev/') ? 63 : 253;
  const suffix = shortHash(`${identity.eventId}\u0000${identity.trigger}\u0000${identity.index}`);
  const raw = typeof object.metadata?.generateName === 'string' ? object.metadata.generateName : 'run-';
  let prefix = dnsPrefix(raw).slice(0, max - suffix.length);
  if (prefix !== '' && !/^[a-z0-9]/.test(prefix)) prefix = `r${prefix}`.slice(0, max - suffix.length);
  return `${prefix}${suffix}`;
}
