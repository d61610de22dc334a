import { createHash, randomUUID } from 'node:crypto';
import type { Concurrency } from '@signalbox/contracts';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { KubeObject, RunBackend } from './run-backend.ts';
import { runStatus } from './run-state.ts';

export const groupLabel = 'signalbox.dev/concurrency-group';
export const groupAnnotation = 'signalbox.dev/concurrency-group';
export const sequenceAnnotation = 'signalbox.dev/sequence';

/** The label value for a group: its name is free text, so a hash. */
export function groupKey(group: string): string {
  return createHash('sha256').update(group).digest('hex').slice(0, 16);
}

const sequenceOf = (o: KubeObject) =>
  Number((o.metadata.annotations as Record<string, string> | undefined)?.[sequenceAnnotation] ?? 0);
const unlock =
  'if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end';

/**
 * Concurrency groups over several scheduler replicas: a Redis lock per group serialises the
 * decide-and-create step; the runs' own labels in the cluster are the state (what runs, what
 * waits), so nothing is lost if Redis forgets the lock.
 * - `queue`: a run beyond the limit is created as `PipelineRunPending` and released in order
 *   (sequence) when a running one finishes.
 * - `cancel-in-progress`: after creating, running runs beyond the newest `limit` are cancelled
 *   with a merge patch `spec.status: Cancelled`.
 */
export class ConcurrencyGroups {
  readonly #redis: Redis;
  readonly #backend: RunBackend;
  readonly #prefix: string;
  readonly #logger: Logger;

  constructor(deps: { redis: Redis; backend: RunBackend; prefix: string; logger: Logger }) {
    this.#redis = deps.redis;
    this.#backend = deps.backend;
    this.#prefix = deps.prefix;
    this.#logger = deps.logger;
  }

  async #withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const lock = `${this.#prefix}:cg:${key}:lock`;
    const token = randomUUID();
    const deadline = Date.now() + 15_000;
    while ((await this.#redis.set(lock, token, 'PX', 15_000, 'NX')) !== 'OK') {
      if (Date.now() > deadline) throw new Error(`concurrency group ${key}: lock not acquired in 15 s`);
      await new Promise((r) => setTimeout(r, 20 + Math.random() * 30));
    }
    try {
      return await fn();
    } finally {
      await this.#redis.eval(unlock, 1, lock, token);
    }
  }

  async #members(
    object: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>,
    key: string,
  ): Promise<KubeObject[]> {
    return this.#backend.list(
      object.apiVersion,
      object.kind,
      object.metadata.namespace,
      `${groupLabel}=${key}`,
    );
  }

  /** Creates `object` under its group's policy; returns whether it was created and whether it waits. */
  async create(
    object: KubeObject,
    group: Concurrency,
  ): Promise<{ created: boolean; pending: boolean; cancelled: string[] }> {
    const key = groupKey(group.group);
    return this.#withLock(key, async () => {
      const members = await this.#members(object, key);
      const existing = members.find((m) => m.metadata.name === object.metadata.name);
      if (existing)
        return { created: false, pending: runStatus(existing).state === 'pending', cancelled: [] };
      const sequence = await this.#redis.incr(`${this.#prefix}:cg:${key}:seq`);
      const active = members.filter((m) => {
        const state = runStatus(m).state;
        const spec = (m.spec ?? {}) as { status?: string };
        return (
          (state === 'running' || state === 'waiting') && !String(spec.status ?? '').startsWith('Cancelled')
        );
      });
      const pending = group.policy === 'queue' && active.length >= group.limit;
      const labelled: KubeObject = {
        ...object,
        metadata: {
          ...object.metadata,
          labels: { ...(object.metadata.labels as Record<string, string> | undefined), [groupLabel]: key },
          annotations: {
            ...(object.metadata.annotations as Record<string, string> | undefined),
            [groupAnnotation]: group.group,
            [sequenceAnnotation]: String(sequence),
            'signalbox.dev/concurrency-limit': String(group.limit),
          },
        },
        ...(pending
          ? { spec: { ...((object.spec as Record<string, unknown>) ?? {}), status: 'PipelineRunPending' } }
          : {}),
      };
      const { created } = await this.#backend.create(labelled);
      const cancelled: string[] = [];
      if (group.policy === 'cancel-in-progress') {
        const newestFirst = [...active, labelled].sort((a, b) => sequenceOf(b) - sequenceOf(a));
        for (const old of newestFirst.slice(group.limit)) {
          await this.#backend.mergePatch(old, { spec: { status: 'Cancelled' } });
          cancelled.push(old.metadata.name);
        }
        if (cancelled.length > 0)
          this.#logger.info(
            { group: group.group, cancelled, by: object.metadata.name },
            'cancelled superseded runs',
          );
      }
      return { created, pending, cancelled };
    });
  }

  /** After a run of the group finished: start the oldest waiting ones while there is room. */
  async release(run: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>): Promise<string[]> {
    const key = (run.metadata.labels as Record<string, string> | undefined)?.[groupLabel];
    if (!key) return [];
    const limitText = (run.metadata.annotations as Record<string, string> | undefined)?.[
      'signalbox.dev/concurrency-limit'
    ];
    return this.#withLock(key, async () => {
      const members = await this.#members(run, key);
      const running = members.filter((m) => ['running', 'waiting'].includes(runStatus(m).state));
      const limit = Number(limitText ?? 1) || 1;
      const waiting = members
        .filter((m) => runStatus(m).state === 'pending')
        .sort((a, b) => sequenceOf(a) - sequenceOf(b));
      const released: string[] = [];
      for (const next of waiting.slice(0, Math.max(0, limit - running.length))) {
        await this.#backend.mergePatch(next, { spec: { status: null } });
        released.push(next.metadata.name);
      }
      if (released.length > 0) this.#logger.info({ released }, 'released queued runs');
      return released;
    });
  }
}
