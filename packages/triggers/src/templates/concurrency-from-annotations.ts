import type { Concurrency } from '@signalbox/contracts';

const prefix = 'signalbox.dev/concurrency-';
const groupKey = `${prefix}group`;
const limitKey = `${prefix}limit`;
const policyKey = `${prefix}policy`;

/**
 * Reads a TriggerTemplate's concurrency annotations: `signalbox.dev/concurrency-group` (the key,
 * usually built from params such as `$(tt.params.repo)-$(tt.params.branch)`),
 * `signalbox.dev/concurrency-limit` (runs of a group at once, a positive integer, default 1) and
 * `signalbox.dev/concurrency-policy` (`queue`, the default, or `cancel-in-progress`). Config load
 * reports the problems; rendering (annotations already substituted) uses the result. An empty
 * group after substitution means no group for that event.
 */
export function concurrencyFromAnnotations(annotations: Readonly<Record<string, string>>): {
  concurrency?: Concurrency;
  problems: { annotation: string; message: string }[];
} {
  const problems: { annotation: string; message: string }[] = [];
  for (const key of Object.keys(annotations)) {
    if (key.startsWith(prefix) && ![groupKey, limitKey, policyKey].includes(key)) {
      problems.push({
        annotation: key,
        message: `unknown annotation; expected ${groupKey}, ${limitKey} or ${policyKey}`,
      });
    }
  }
  const rawLimit = annotations[limitKey];
  const limit =
    rawLimit === undefined ? 1 : /^[1-9][0-9]{0,5}$/.test(rawLimit) ? Number(rawLimit) : undefined;
  if (limit === undefined) {
    problems.push({
      annotation: limitKey,
      message: `must be a positive integer, not ${JSON.stringify(rawLimit)}`,
    });
  }
  const policy = annotations[policyKey] ?? 'queue';
  if (policy !== 'queue' && policy !== 'cancel-in-progress') {
    problems.push({
      annotation: policyKey,
      message: `must be queue or cancel-in-progress, not ${JSON.stringify(policy)}`,
    });
  }
  const group = annotations[groupKey];
  if (group === undefined && (rawLimit !== undefined || annotations[policyKey] !== undefined)) {
    problems.push({ annotation: groupKey, message: `${limitKey} and ${policyKey} need a group to apply to` });
  }
  if (!group || limit === undefined || (policy !== 'queue' && policy !== 'cancel-in-progress'))
    return { problems };
  return { concurrency: { group, limit, policy }, problems };
}
