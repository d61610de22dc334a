import { type Concurrency, cancelModes, concurrencyKeyPrefix, metadataKeys } from '@signalbox/contracts';

const prefix = concurrencyKeyPrefix;
const groupKey = metadataKeys.concurrencyGroup;
const limitKey = metadataKeys.concurrencyLimit;
const policyKey = metadataKeys.concurrencyPolicy;
const cancelKey = metadataKeys.concurrencyCancel;
const known: readonly string[] = [groupKey, limitKey, policyKey, cancelKey];

type CancelMode = (typeof cancelModes)[number];
const isCancelMode = (v: string): v is CancelMode => (cancelModes as readonly string[]).includes(v);

/**
 * Reads a TriggerTemplate's concurrency annotations: `signalbox.dev/concurrency-group` (the key,
 * usually built from params such as `$(tt.params.repo)-$(tt.params.branch)`),
 * `signalbox.dev/concurrency-limit` (runs of a group at once, a positive integer, default 1),
 * `signalbox.dev/concurrency-policy` (`queue`, the default, or `cancel-in-progress`) and, for
 * cancel-in-progress, `signalbox.dev/concurrency-cancel` (how a superseded run is stopped:
 * `CancelledRunFinally`, the default, so its `finally` tasks still run; `Cancelled`; or
 * `StoppedRunFinally`). Config load reports the problems; rendering (annotations already
 * substituted) uses the result. An empty group after substitution means no group for that event.
 */
export function concurrencyFromAnnotations(annotations: Readonly<Record<string, string>>): {
  concurrency?: Concurrency;
  problems: { annotation: string; message: string }[];
} {
  const problems: { annotation: string; message: string }[] = [];
  for (const key of Object.keys(annotations)) {
    if (key.startsWith(prefix) && !known.includes(key)) {
      problems.push({
        annotation: key,
        message: `unknown annotation; expected ${groupKey}, ${limitKey}, ${policyKey} or ${cancelKey}`,
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
  const policyOk = policy === 'queue' || policy === 'cancel-in-progress';
  if (!policyOk) {
    problems.push({
      annotation: policyKey,
      message: `must be queue or cancel-in-progress, not ${JSON.stringify(policy)}`,
    });
  }
  const cancel = annotations[cancelKey];
  const cancelOk = cancel === undefined || isCancelMode(cancel);
  if (!cancelOk) {
    problems.push({
      annotation: cancelKey,
      message: `must be one of ${cancelModes.join(', ')}, not ${JSON.stringify(cancel)}`,
    });
  } else if (cancel !== undefined && policy !== 'cancel-in-progress') {
    problems.push({ annotation: cancelKey, message: `applies only with ${policyKey}: cancel-in-progress` });
  }
  const group = annotations[groupKey];
  if (
    group === undefined &&
    (rawLimit !== undefined || annotations[policyKey] !== undefined || cancel !== undefined)
  ) {
    problems.push({ annotation: groupKey, message: `${limitKey} and ${policyKey} need a group to apply to` });
  }
  if (!group || limit === undefined || !policyOk || !cancelOk) return { problems };
  return {
    concurrency: {
      group,
      limit,
      policy,
      ...(cancel !== undefined && isCancelMode(cancel) ? { cancel } : {}),
    },
    problems,
  };
}
