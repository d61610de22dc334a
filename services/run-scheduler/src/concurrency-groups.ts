import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Concurrency, metadataKeys } from '@signalbox/contracts';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { KubeObject, RunBackend } from './run-backend.ts';
import { runStatus } from './run-state.ts';

export const groupLabel = metadataKeys.concurrencyGroup;
export const groupAnnotation = metadataKeys.concurrencyGroup;
export const limitAnnotation = metadataKeys.concurrencyLimit;
/** When the event's job was enqueued (ms since the epoch): the group's order, oldest first. */
export const orderAnnotation = metadataKeys.enqueuedAt;

type RunRef = Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'> & { spec?: unknown; status?: unknown };

/** The label value for a group: its name is free text (`org/app-feature/x`), so a hash. */
export function groupKey(group: string): string {
  return createHash('sha256').update(group).digest('hex').slice(0, 16);
}

const annotationsOf = (o: RunRef) => (o.metadata.annotations ?? {}) as Record<string, string>;
const orderOf = (o: RunRef) => Number(annotationsOf(o)[orderAnnotation] ?? 0) || 0;
/** Oldest first; same millisecond → by name, so every replica agrees. */
const byOrder = (a: RunRef, b: RunRef) =>
  orderOf(a) - orderOf(b) || String(a.metadata.name).localeCompare(String(b.metadata.name));

/** Spec states in which Tekton is already stopping the run: it no longer takes a slot. */
const stopping = new Set(['Cancelled', 'CancelledRunFinally', 'StoppedRunFinally']);

/** Takes one of the group's slots: created or running, not pending, finished or being stopped. */
function isActive(run: RunRef): boolean {
  const state = runStatus(run as KubeObject).state;
  const spec = String(((run.spec ?? {}) as { status?: unknown }).status ?? '');
  return (state === 'running' || state === 'waiting') && !stopping.has(spec);
}
const isPending = (run: RunRef) => runStatus(run as KubeObject).state === 'pending';

const unlockScript =
  'if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end';

export interface ConcurrencyGroupsDeps {
  readonly redis: Redis;
  readonly backend: RunBackend;
  /** Key prefix in Redis (the queue prefix). */
  readonly prefix: string;
  readonly logger: Logger;
  /** How long a crashed holder keeps the group locked (ms, default 60 000). */
  readonly lockTtlMs?: number;
  /** How long to wait for the lock before the job is retried (ms, default 30 000). */
  readonly lockWaitMs?: number;
}

/**
 * Concurrency groups, safe over several scheduler replicas: a Redis lock per group (token-checked
 * release, TTL so a killed holder cannot block it) serialises every decide-and-act step; the
 * runs' labels and annotations in the cluster are the group's state (who runs, who waits, in
 * which order), read fresh under the lock, so nothing depends on one replica's memory and a
 * forgotten lock loses nothing. Order is the event's enqueue time, so "newest" means the latest
 * event, not the latest to win a race.
 * - `queue`: at most `limit` runs are active; the rest are created `PipelineRunPending` and
 *   released oldest first (merge patch removing `spec.status`) as active ones finish.
 * - `cancel-in-progress`: after a run is created, active runs beyond the newest `limit` are
 *   stopped with a merge patch of `spec.status`: `CancelledRunFinally` unless the group says
 *   otherwise, so their `finally` tasks (cleanup, notifications) still run. A run older than the
 *   newest `limit` is created `Cancelled`: it exists (exactly once, visible) but never starts,
 *   and with nothing started there is nothing for `finally` to clean up.
 */
export class ConcurrencyGroups {
  readonly #d: ConcurrencyGroupsDeps;

  constructor(deps: ConcurrencyGroupsDeps) {
    this.#d = deps;
  }

  async #withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const lock = `${this.#d.prefix}:cg:${key}:lock`;
    const token = randomUUID();
    const deadline = Date.now() + (this.#d.lockWaitMs ?? 30_000);
    while ((await this.#d.redis.set(lock, token, 'PX', this.#d.lockTtlMs ?? 60_000, 'NX')) !== 'OK') {
      if (Date.now() > deadline) throw new Error(`concurrency group ${key}: lock still held by another run`);
      await sleep(10 + Math.random() * 40);
    }
    try {
      return await fn();
    } finally {
      await this.#d.redis.eval(unlockScript, 1, lock, token);
    }
  }

  async #members(run: RunRef, key: string): Promise<KubeObject[]> {
    const list = await this.#d.backend.list(
      run.apiVersion,
      run.kind,
      run.metadata.namespace,
      `${groupLabel}=${key}`,
    );
    return list.items;
  }

  /**
   * Creates `object` under its group's policy. A repeat (the run exists) creates nothing but
   * still completes the step a crash may have cut short (cancelling superseded runs).
   */
  async create(
    object: KubeObject,
    group: Concurrency,
    enqueuedAt: number,
  ): Promise<{ created: boolean; pending: boolean; cancelled: string[] }> {
    const key = groupKey(group.group);
    return this.#withLock(key, async () => {
      const members = await this.#members(object, key);
      const others = members.filter((m) => m.metadata.name !== object.metadata.name);
      let self: RunRef | undefined = members.find((m) => m.metadata.name === object.metadata.name);
      let created = false;
      const active = others.filter(isActive);
      if (!self) {
        const labelled: KubeObject = {
          ...object,
          metadata: {
            ...object.metadata,
            labels: { ...(object.metadata.labels as Record<string, string> | undefined), [groupLabel]: key },
            annotations: {
              ...(object.metadata.annotations as Record<string, string> | undefined),
              [groupAnnotation]: group.group,
              [limitAnnotation]: String(group.limit),
              [orderAnnotation]: String(enqueuedAt),
            },
          },
        };
        let specStatus: string | undefined;
        if (group.policy === 'queue' && (active.length >= group.limit || others.some(isPending)))
          specStatus = 'PipelineRunPending';
        if (
          group.policy === 'cancel-in-progress' &&
          active.filter((m) => byOrder(m, labelled) > 0).length >= group.limit
        )
          specStatus = 'Cancelled';
        const toCreate = specStatus
          ? {
              ...labelled,
              spec: { ...((labelled.spec as Record<string, unknown>) ?? {}), status: specStatus },
            }
          : labelled;
        created = (await this.#d.backend.create(toCreate)).created;
        self = toCreate;
      }
      const cancelled: string[] = [];
      if (group.policy === 'cancel-in-progress') {
        const newestFirst = [...active, ...(isActive(self) ? [self] : [])].sort((a, b) => byOrder(b, a));
        for (const old of newestFirst.slice(group.limit)) {
          if (old.metadata.name === object.metadata.name) continue;
          const done = await this.#patchUnlessSettled(old, key, isActive, {
            spec: { status: group.cancel ?? 'CancelledRunFinally' },
          });
          if (done) cancelled.push(old.metadata.name);
        }
        if (cancelled.length > 0)
          this.#d.logger.info(
            { group: group.group, cancelled, by: object.metadata.name },
            'cancelled superseded runs',
          );
      }
      let pending = isPending(self);
      if (group.policy === 'queue' && pending) {
        const released = await this.#releaseLocked(
          [...others, self as KubeObject],
          key,
          group.limit,
          group.group,
        );
        if (released.includes(object.metadata.name)) pending = false;
      }
      return { created, pending, cancelled };
    });
  }

  /**
   * Releases what fits in every group that has a waiting run among `runs` (one release per
   * group, however many of its runs wait): a relist, or the dry-run backend's periodic look.
   */
  async releaseWaiting(runs: readonly RunRef[]): Promise<void> {
    const byGroup = new Map<string, RunRef>();
    for (const run of runs) {
      const key = (run.metadata.labels as Record<string, string> | undefined)?.[groupLabel];
      if (key && isPending(run)) byGroup.set(`${run.metadata.namespace}/${key}`, run);
    }
    for (const run of byGroup.values()) await this.release(run);
  }

  /**
   * A run of the group finished (or a relist found waiting runs): start the oldest waiting ones
   * while there is room. Idempotent: with no room or nothing waiting it changes nothing.
   */
  async release(run: RunRef): Promise<string[]> {
    const key = (run.metadata.labels as Record<string, string> | undefined)?.[groupLabel];
    if (!key) return [];
    const limit = Number(annotationsOf(run)[limitAnnotation] ?? 1) || 1;
    const group = annotationsOf(run)[groupAnnotation] ?? key;
    return this.#withLock(key, async () =>
      this.#releaseLocked(await this.#members(run, key), key, limit, group),
    );
  }

  /**
   * Patches a member of the group, unless it stopped being what the patch is for (`still`) in the
   * meantime: a run that finished (Tekton's webhook refuses any update of a completed run) or was
   * deleted between the list and the patch leaves nothing to cancel or release — not a failure of
   * the job that asked. Any other failure is the caller's. True when the patch was applied.
   */
  async #patchUnlessSettled(
    run: RunRef,
    key: string,
    still: (run: RunRef) => boolean,
    patch: Record<string, unknown>,
  ): Promise<boolean> {
    try {
      await this.#d.backend.mergePatch(run, patch);
      return true;
    } catch (err) {
      const now = (await this.#members(run, key)).find((m) => m.metadata.name === run.metadata.name);
      if (now && still(now)) throw err;
      this.#d.logger.info(
        { run: run.metadata.name, state: now ? runStatus(now as KubeObject).state : 'deleted' },
        'run settled before the concurrency patch reached it; nothing to do',
      );
      return false;
    }
  }

  async #releaseLocked(members: KubeObject[], key: string, limit: number, group: string): Promise<string[]> {
    const room = limit - members.filter(isActive).length;
    const waiting = members.filter(isPending).sort(byOrder);
    const released: string[] = [];
    for (const next of waiting.slice(0, Math.max(0, room))) {
      if (await this.#patchUnlessSettled(next, key, isPending, { spec: { status: null } }))
        released.push(next.metadata.name);
    }
    if (released.length > 0) this.#d.logger.info({ group, released }, 'released queued runs');
    return released;
  }
}
