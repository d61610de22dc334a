import type { ImageUpdateJob, notificationsQueue } from '@signalbox/contracts';
import type { Logger, Producer } from '@signalbox/runtime';
import { type ImageUpdatePolicySpec, parseMinAge } from '@signalbox/triggers';
import { type ApplyDeps, applyUpdate, type UpdateOutcome } from './apply-update.ts';
import { ignoreReason } from './ignore-reason.ts';
import { newReference } from './pull-request-text.ts';
import type { Target } from './resolve-target.ts';
import { scanVerdict } from './scan-verdict.ts';
import { compileTagRules } from './tag-rules.ts';
import type { UpdateState } from './update-state.ts';

/** A policy as the worker uses it: spec, its resolved target, and how to get its token. */
export interface ActivePolicy {
  readonly name: string;
  readonly spec: ImageUpdatePolicySpec;
  readonly target: Target;
  /** Undefined for a local target. */
  readonly token?: () => Promise<string>;
}

export interface ProcessDeps {
  /** The policies of the current config (it may be reloaded between jobs). */
  readonly policies: () => readonly ActivePolicy[];
  readonly state: UpdateState;
  readonly lock: <T>(repo: string, work: () => Promise<T>) => Promise<T>;
  readonly notifications: Producer<typeof notificationsQueue>;
  readonly apply: Omit<ApplyDeps, 'token' | 'logger'>;
  /** How long a push waits for its scan before a `manifest.gated` notification (ms). */
  readonly holdTimeoutMs: number;
  readonly now: () => number;
  /** This job's id (a hold names it) and a way to run a held job now rather than at its deadline. */
  readonly jobId: string;
  readonly wake: (jobId: string) => Promise<void>;
}

/** What happened for one policy (logged; `wakeAt` asks the worker to run the job again then). */
export type PolicyOutcome =
  | { readonly policy: string; readonly action: 'skipped'; readonly reason: string }
  | {
      readonly policy: string;
      readonly action: 'held' | 'maturing';
      readonly wakeAt: number;
      readonly reason: string;
    }
  | { readonly policy: string; readonly action: 'gated'; readonly reason: string }
  | { readonly policy: string; readonly action: 'updated'; readonly outcome: UpdateOutcome };

const notifyKey = (policy: string, job: ImageUpdateJob) =>
  `${policy}/${job.image}:${job.tag}@${job.digest ?? ''}`;

/**
 * One Harbor image event against every policy for its repository (exact `registry[:port]/path`
 * match). Per policy: ignore rules, tag rules, the scan gate (a push without its scan is held
 * until the scan or the hold timeout), `minAge`, then — under the target repository's lock —
 * the newest-wins check against what the policy already applied, and the update itself.
 * Idempotent per image, tag and digest: a repeat finds the applied record and does nothing.
 */
export async function processImageEvent(
  job: ImageUpdateJob,
  receivedAt: number,
  deps: ProcessDeps,
  logger: Logger,
): Promise<PolicyOutcome[]> {
  const matching = deps.policies().filter((p) => p.spec.image === job.image);
  const outcomes: PolicyOutcome[] = [];
  for (const policy of matching) {
    outcomes.push(await forPolicy(job, receivedAt, policy, deps, logger.child({ policy: policy.name })));
  }
  return outcomes;
}

async function forPolicy(
  job: ImageUpdateJob,
  receivedAt: number,
  policy: ActivePolicy,
  deps: ProcessDeps,
  logger: Logger,
): Promise<PolicyOutcome> {
  const name = policy.name;
  const spec = policy.spec;
  const skip = (reason: string): PolicyOutcome => ({ policy: name, action: 'skipped', reason });
  const ignored = ignoreReason(spec.ignore, job);
  if (ignored) return skip(ignored);
  const rules = compileTagRules(spec.tags);
  const rejected = rules.rejects(job.tag);
  if (rejected) return skip(rejected);
  const now = deps.now();
  const seenAt = await deps.state.firstSeen(name, job.image, job.tag, job.digest, receivedAt);

  const scan = await passScanGate(job, policy, deps, now);
  if ('action' in scan) return scan;

  const minAge = spec.minAge === undefined ? 0 : (parseMinAge(spec.minAge) ?? 0);
  if (now < seenAt + minAge) {
    return {
      policy: name,
      action: 'maturing',
      wakeAt: seenAt + minAge,
      reason: `younger than minAge ${spec.minAge}`,
    };
  }

  const me = { tag: job.tag, ...(job.digest ? { digest: job.digest } : {}), at: seenAt };
  const isNewer = (a: typeof me, b: typeof me) =>
    rules.compare(a, b) > 0 || (a.tag === b.tag && a.digest !== b.digest && a.at >= b.at);
  const newest = await deps.state.offer(name, me, isNewer);
  if (newest.tag !== me.tag || newest.digest !== me.digest)
    return skip(`superseded by ${newest.tag} (newer)`);

  return deps.lock(policy.target.url, () =>
    applyIfNewest(job, policy, deps, logger, { me, seenAt, rules, isNewer, scan }),
  );
}

type Offer = { tag: string; digest?: string; at: number };

/**
 * The apply step, run under the target repository's lock: the newest-wins check against what the
 * policy already applied, the update itself, its notification and the applied record.
 */
async function applyIfNewest(
  job: ImageUpdateJob,
  policy: ActivePolicy,
  deps: ProcessDeps,
  logger: Logger,
  at: {
    me: Offer;
    seenAt: number;
    rules: ReturnType<typeof compileTagRules>;
    isNewer: (a: Offer, b: Offer) => boolean;
    scan: { summary: string; event: string };
  },
): Promise<PolicyOutcome> {
  const { me, seenAt, rules, isNewer, scan } = at;
  const name = policy.name;
  const spec = policy.spec;
  const skip = (reason: string): PolicyOutcome => ({ policy: name, action: 'skipped', reason });
  const applied = await deps.state.applied(name);
  if (applied && applied.tag === me.tag && applied.digest === me.digest)
    return skip('already applied (a repeat)');
  if (applied && rules.compare(me, applied) < 0)
    return skip(`older than ${applied.tag}, which is already applied`);
  const latest = await deps.state.newest(name);
  if (latest && isNewer(latest, me)) return skip(`superseded by ${latest.tag} (newer)`);
  const outcome = await applyUpdate(
    policy,
    policy.target,
    {
      policy: name,
      image: job.image,
      tag: job.tag,
      digest: job.digest,
      pin: spec.pin,
      targetBranch: spec.target.branch,
      scan: scan.summary,
      event: scan.event,
    },
    new Date(seenAt),
    { ...deps.apply, token: policy.token ? await policy.token() : undefined, logger },
  );
  await notifyOutcome(job, policy, outcome, deps);
  await deps.state.setApplied(name, {
    ...me,
    ...(outcome.kind === 'pull' ? { pr: { number: outcome.pull.number, url: outcome.pull.url } } : {}),
    ...(outcome.kind !== 'unchanged' ? { branch: outcome.branch } : {}),
  });
  if (outcome.kind === 'branch') {
    logger.info(
      {
        repo: policy.target.url,
        branch: outcome.branch,
        commit: outcome.commit,
        image: `${job.image}${newReference({ ...job, pin: spec.pin })}`,
      },
      `branch ready: ${outcome.branch} in ${policy.target.url}`,
    );
  }
  return { policy: name, action: 'updated', outcome };
}

/**
 * The scan gate for one policy: records a scan result (for pushes that come later), holds a push
 * until its scan (or gates it at the hold's deadline), wakes a held push once its scan decided,
 * and gates a blocking scan. Resolves with the passing summary, or the outcome that ends here.
 */
async function passScanGate(
  job: ImageUpdateJob,
  policy: ActivePolicy,
  deps: ProcessDeps,
  now: number,
): Promise<{ summary: string; event: string } | PolicyOutcome> {
  const name = policy.name;
  let verdict = scanVerdict(policy.spec.gate, job);
  // The event that decides: this one, or for a held push the scan recorded for its digest.
  let deciding = job.event;
  if (
    (verdict.state === 'pass' || verdict.state === 'block') &&
    job.event.startsWith('SCANNING_') &&
    job.digest
  ) {
    await deps.state.recordScan(job.image, job.digest, {
      state: verdict.state,
      summary: verdict.summary,
      event: job.event,
      at: now,
    });
  }
  if (verdict.state === 'irrelevant') {
    return {
      policy: name,
      action: 'skipped',
      reason: `${job.event} decides nothing under this policy's gate`,
    };
  }
  if (verdict.state === 'awaiting-scan') {
    if (!job.digest)
      return gate(job, policy, deps, 'the push names no digest, so no scan can be matched to it');
    let scan = await deps.state.scan(job.image, job.digest);
    let deadline = 0;
    if (!scan) {
      const hold = await deps.state.hold(name, job.image, job.digest, {
        tag: job.tag,
        jobId: deps.jobId,
        heldAt: now,
        deadline: now + deps.holdTimeoutMs,
      });
      deadline = hold.deadline;
      // Read again: a scan recorded between the first read and the hold found no hold to wake.
      scan = await deps.state.scan(job.image, job.digest);
    }
    if (scan) {
      verdict = { state: scan.state, summary: scan.summary };
      deciding = scan.event;
    } else if (now < deadline)
      return { policy: name, action: 'held', wakeAt: deadline, reason: 'waiting for the scan' };
    else
      return gate(
        job,
        policy,
        deps,
        `no scan result within ${Math.round(deps.holdTimeoutMs / 1000)} s of the push`,
      );
  }
  if (job.digest) {
    // The scan decided: a push held for it can finish now instead of at its deadline.
    const hold = await deps.state.releaseHold(name, job.image, job.digest);
    if (hold && hold.jobId !== deps.jobId) await deps.wake(hold.jobId);
  }
  if (verdict.state === 'block') return gate(job, policy, deps, verdict.summary);
  if (verdict.state === 'pass') return { summary: verdict.summary, event: deciding };
  return { policy: name, action: 'skipped', reason: 'the scan gate reached no verdict' };
}

async function gate(
  job: ImageUpdateJob,
  policy: ActivePolicy,
  deps: ProcessDeps,
  reason: string,
): Promise<PolicyOutcome> {
  await deps.notifications.add({
    kind: 'manifest.gated',
    key: notifyKey(policy.name, job),
    correlation: job.correlation,
    data: {
      policy: policy.name,
      image: job.image,
      tag: job.tag,
      digest: job.digest ?? null,
      event: job.event,
      reason,
    },
    occurredAt: new Date(deps.now()).toISOString(),
  });
  return { policy: policy.name, action: 'gated', reason };
}

async function notifyOutcome(
  job: ImageUpdateJob,
  policy: ActivePolicy,
  outcome: UpdateOutcome,
  deps: ProcessDeps,
) {
  if (outcome.kind === 'unchanged') return;
  const data = {
    policy: policy.name,
    repo:
      policy.target.kind === 'github' ? `${policy.target.owner}/${policy.target.repo}` : policy.target.path,
    branch: outcome.branch,
    targetBranch: policy.spec.target.branch,
    image: job.image,
    from: outcome.from,
    to: newReference({ ...job, pin: policy.spec.pin }).slice(1),
    tag: job.tag,
    digest: job.digest ?? null,
    commit: outcome.commit,
    ...(outcome.kind === 'pull' ? { pr: { number: outcome.pull.number, url: outcome.pull.url } } : {}),
  };
  await deps.notifications.add({
    kind:
      outcome.kind === 'branch'
        ? 'manifest.branch_ready'
        : outcome.opened
          ? 'manifest.pr_opened'
          : 'manifest.pr_updated',
    key: notifyKey(policy.name, job),
    correlation: job.correlation,
    data,
    occurredAt: new Date(deps.now()).toISOString(),
  });
}
