import { setTimeout as sleep } from 'node:timers/promises';
import type { Correlation, NotificationKind, notificationsQueue } from '@signalbox/contracts';
import type { Producer } from '@signalbox/runtime';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { classifyKubeError } from './classify-error.ts';
import type { ConcurrencyGroups } from './concurrency-groups.ts';
import { correlationAnnotation, managedLabel } from './create-run.ts';
import { jitteredBackoff } from './jittered-backoff.ts';
import type { NamespaceRegistry } from './namespace-registry.ts';
import { pipelineName } from './pipeline-name.ts';
import type { KubeObject, WatchableRunBackend, Watching } from './run-backend.ts';
import { type RunStatus, runStatus } from './run-state.ts';
import type { SchedulerMetrics } from './scheduler-metrics.ts';

const transitionKinds: Partial<Record<string, NotificationKind>> = {
  running: 'run.started',
  succeeded: 'run.succeeded',
  failed: 'run.failed',
};
const selector = `${managedLabel}=signalbox`;
/** Marks a run's transition as notified, for twice as long as a transition is news. */
const markerTtlSeconds = 14 * 24 * 3600;
/**
 * A transition older than this is not notified (a run kept in the cluster for weeks would
 * otherwise be announced again on a relist once its marker expired).
 */
const staleAfterMs = 7 * 24 * 3600 * 1000;

export interface RunStatusWatcherDeps {
  /** Lists and watches the runs (only a cluster backend can). */
  readonly backend: WatchableRunBackend;
  readonly redis: Redis;
  /** Redis key prefix (the queue prefix). */
  readonly prefix: string;
  readonly notifications: Producer<typeof notificationsQueue>;
  /** Releases queued runs when a run of their group finishes. */
  readonly groups?: ConcurrencyGroups;
  readonly logger: Logger;
  readonly metrics?: SchedulerMetrics;
  /** Namespaces always followed; `*` follows all namespaces (needs cluster-wide list/watch). */
  readonly namespaces: readonly string[];
  /** Also follows every namespace runs were created in, polled every `namespacePollMs`. */
  readonly registry?: NamespaceRegistry;
  /** Default 10 000 ms. */
  readonly namespacePollMs?: number;
  /** Reconnect backoff bounds (ms; defaults 200 and 30 000), with jitter. */
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /**
   * A watch that sends nothing (not even a bookmark, which the apiserver sends about once a
   * minute) for this long is presumed dead and re-opened from its resourceVersion (ms, default
   * 90 000; client-node's own default of 30 s would cut quiet watches twice a minute).
   */
  readonly inactivityTimeoutMs?: number;
}

type WatchOutcome = { readonly expired: boolean; readonly rv: string | undefined };

/** A watch ended this way resumes from where it was; anything else is a failure. */
const isQuietEnd = (err: unknown) =>
  !err || (err as Error).name === 'TimeoutError' || (err as Error).name === 'AbortError';

/**
 * Follows the PipelineRuns Signalbox created (label `signalbox.dev/managed-by=signalbox`) with
 * list + watch per namespace, and notifies `run.started`, `run.succeeded` and `run.failed` (and
 * `run.cancelled` for a run deleted before it finished, which also frees its group's slot)
 * exactly once per run and transition — across restarts, relists and replicas:
 * - the watch resumes from the last resourceVersion it fully handled (bookmarks keep it fresh
 *   and are applied in order with events, so a failed event is never skipped); 410 Expired —
 *   as an ERROR event or as the watch's HTTP status — relists; other failures reconnect with
 *   jittered exponential backoff;
 * - every replica sees every transition; the notification's job id is derived from the run's
 *   uid and the transition (a second add is a no-op), and a Redis marker, set only after the
 *   notification (and the group release) succeeded, skips work already done;
 * - a relist also releases queued runs whose group has room, so a release lost to a crash or
 *   to a watch gap is made up for.
 */
export class RunStatusWatcher {
  readonly #d: RunStatusWatcherDeps;
  readonly #stop = new AbortController();
  readonly #watches = new Set<Watching>();
  readonly #loops = new Map<string, Promise<void>>();
  #poll: Promise<void> | undefined;

  constructor(deps: RunStatusWatcherDeps) {
    this.#d = deps;
  }

  /** Namespaces being followed (`*` = all). */
  get namespaces(): string[] {
    return [...this.#loops.keys()].sort();
  }

  start(): void {
    for (const ns of this.#d.namespaces) this.#follow(ns);
    if (this.#d.registry && !this.#loops.has('*')) this.#poll = this.#pollRegistry(this.#d.registry);
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    for (const w of this.#watches) w.abort();
    await Promise.allSettled([...this.#loops.values(), this.#poll]);
  }

  #follow(namespace: string): void {
    if (this.#loops.has(namespace) || this.#stop.signal.aborted) return;
    this.#d.logger.info({ namespace }, 'following PipelineRuns');
    this.#loops.set(namespace, this.#loop(namespace));
  }

  async #pollRegistry(registry: NamespaceRegistry): Promise<void> {
    while (!this.#stop.signal.aborted) {
      try {
        for (const ns of await registry.list()) this.#follow(ns);
      } catch (err) {
        this.#d.logger.warn({ err: (err as Error).message }, 'could not read the run namespaces from Redis');
      }
      await sleep(this.#d.namespacePollMs ?? 10_000, undefined, { signal: this.#stop.signal }).catch(
        () => {},
      );
    }
  }

  async #loop(namespace: string): Promise<void> {
    let failures = 0;
    let rv: string | undefined;
    while (!this.#stop.signal.aborted) {
      try {
        if (rv === undefined) rv = await this.#relist(namespace);
        const outcome = await this.#watch(namespace, rv);
        rv = outcome.rv;
        if (outcome.expired) {
          this.#d.logger.info({ namespace }, 'watch expired (410 Gone): relisting');
          rv = undefined;
        }
        failures = 0;
      } catch (err) {
        if (this.#stop.signal.aborted) break;
        const { status } = classifyKubeError(err);
        const backoff = jitteredBackoff(
          ++failures,
          this.#d.minBackoffMs ?? 200,
          this.#d.maxBackoffMs ?? 30_000,
        );
        this.#d.logger.warn(
          {
            namespace,
            err: (err as Error).message,
            backoffMs: backoff,
            ...(status === 403
              ? { hint: `grant list and watch on pipelineruns.tekton.dev in namespace ${namespace}` }
              : {}),
          },
          'run watch failed; reconnecting',
        );
        await sleep(backoff, undefined, { signal: this.#stop.signal }).catch(() => {});
      }
    }
  }

  /** Lists the namespace's runs, handles each, and returns the list's resourceVersion. */
  async #relist(namespace: string): Promise<string | undefined> {
    const list = await this.#d.backend.list(
      'tekton.dev/v1',
      'PipelineRun',
      namespace === '*' ? undefined : namespace,
      selector,
    );
    for (const item of list.items) await this.#observe(item);
    await this.#d.groups?.releaseWaiting(list.items);
    return list.resourceVersion;
  }

  /**
   * Watches from `rv` until the watch ends. Events are handled one at a time, in order; the
   * resourceVersion only moves past an event once it is handled, and the first failure stops
   * the watch so it resumes from there.
   */
  async #watch(namespace: string, rv: string | undefined): Promise<WatchOutcome> {
    let current = rv;
    let expired = false;
    let failure: unknown;
    let watching: Watching | undefined;
    let chain = Promise.resolve();
    const fail = (err: unknown) => {
      failure = err;
      watching?.abort();
    };
    watching = await this.#d.backend.watch(
      {
        apiVersion: 'tekton.dev/v1',
        resource: 'pipelineruns',
        namespace: namespace === '*' ? undefined : namespace,
        labelSelector: selector,
        resourceVersion: current,
        // Spread the server-side ends of many watches.
        timeoutSeconds: 240 + Math.floor(Math.random() * 120),
        inactivityTimeoutMs: this.#d.inactivityTimeoutMs ?? 90_000,
      },
      (type, obj) => {
        if (type === 'ERROR') {
          if (obj.code === 410) expired = true;
          else if (failure === undefined)
            fail(new Error(`watch error ${obj.code ?? ''}: ${obj.message ?? 'unknown'}`));
          return;
        }
        const next = obj.metadata?.resourceVersion as string | undefined;
        chain = chain.then(async () => {
          if (failure !== undefined) return;
          try {
            if (type === 'ADDED' || type === 'MODIFIED') await this.#observe(obj);
            else if (type === 'DELETED') await this.#deleted(obj);
            if (next) current = next;
          } catch (err) {
            fail(err);
          }
        });
      },
    );
    this.#watches.add(watching);
    if (this.#stop.signal.aborted) watching.abort();
    const ended = await watching.ended;
    this.#watches.delete(watching);
    await chain;
    if (failure !== undefined) throw failure;
    if (expired || classifyKubeError(ended).status === 410) return { expired: true, rv: undefined };
    if (isQuietEnd(ended) || this.#stop.signal.aborted) return { expired: false, rv: current };
    throw ended;
  }

  /**
   * Tekton v1 no longer embeds TaskRun statuses in the PipelineRun: the failed tasks are the
   * run's TaskRuns (label `tekton.dev/pipelineRun`) whose Succeeded condition is False, named by
   * their `tekton.dev/pipelineTask` label. Best effort: a failure to list them leaves it empty.
   */
  async #failedTasks(run: KubeObject): Promise<string[]> {
    try {
      const list = await this.#d.backend.list(
        'tekton.dev/v1',
        'TaskRun',
        run.metadata.namespace,
        `tekton.dev/pipelineRun=${run.metadata.name}`,
      );
      return list.items
        .filter((t) => runStatus(t).state === 'failed')
        .map(
          (t) =>
            (t.metadata.labels as Record<string, string> | undefined)?.['tekton.dev/pipelineTask'] ??
            t.metadata.name ??
            '',
        )
        .filter(Boolean)
        .sort();
    } catch (err) {
      this.#d.logger.warn(
        { run: run.metadata.name, err: (err as Error).message },
        "could not list the failed run's TaskRuns",
      );
      return [];
    }
  }

  async #observe(run: KubeObject): Promise<void> {
    const status = runStatus(run);
    const kind = transitionKinds[status.state];
    const uid = String(run.metadata.uid ?? '');
    if (!kind || !uid) return;
    const marker = `${this.#d.prefix}:run-transition:${uid}:${status.state}`;
    if (await this.#d.redis.exists(marker)) return;
    const at = status.state === 'running' ? status.startTime : status.completionTime;
    if (!(at && Date.now() - Date.parse(at) > staleAfterMs)) await this.#notify(run, kind, uid, status);
    if ((status.state === 'succeeded' || status.state === 'failed') && this.#d.groups)
      await this.#d.groups.release(run);
    await this.#d.redis.set(marker, '1', 'EX', markerTtlSeconds);
  }

  /**
   * `kubectl delete` / `tkn pr delete`: the run no longer holds its group's slot, so the next
   * queued run is released now (not at the next push or restart). A run deleted before it
   * finished is announced as cancelled; pruning finished runs (Tekton's pruner, a cleanup job)
   * announces nothing. A deletion missed in a watch gap is made up for by the relist's release.
   */
  async #deleted(run: KubeObject): Promise<void> {
    const uid = String(run.metadata.uid ?? '');
    if (!uid) return;
    const marker = `${this.#d.prefix}:run-transition:${uid}:deleted`;
    if (await this.#d.redis.exists(marker)) return;
    const status = runStatus(run);
    if (this.#d.groups) await this.#d.groups.release(run);
    if (status.state !== 'succeeded' && status.state !== 'failed') {
      await this.#notify(
        run,
        'run.cancelled',
        uid,
        {
          ...status,
          reason: 'Deleted',
          message: `${run.kind} ${run.metadata.name} was deleted before it finished`,
        },
        'deleted',
      );
    }
    await this.#d.redis.set(marker, '1', 'EX', markerTtlSeconds);
  }

  async #notify(
    run: KubeObject,
    kind: NotificationKind,
    uid: string,
    status: RunStatus,
    transition: string = status.state,
  ): Promise<void> {
    let correlation: Partial<Correlation> = {};
    try {
      correlation = JSON.parse(
        String(
          (run.metadata.annotations as Record<string, string> | undefined)?.[correlationAnnotation] ?? '{}',
        ),
      ) as Partial<Correlation>;
    } catch {
      // Someone edited the run by hand: notify without correlation.
    }
    const pipeline = pipelineName(run);
    const durationMs =
      status.startTime && status.completionTime
        ? Date.parse(status.completionTime) - Date.parse(status.startTime)
        : undefined;
    await this.#d.notifications.add({
      kind,
      key: `${uid}/${transition}`,
      correlation,
      data: {
        name: run.metadata.name,
        namespace: run.metadata.namespace,
        kind: run.kind,
        uid,
        ...(pipeline ? { pipeline } : {}),
        ...(status.reason ? { reason: status.reason } : {}),
        ...(status.message ? { message: status.message } : {}),
        ...(status.startTime ? { startTime: status.startTime } : {}),
        ...(status.completionTime ? { completionTime: status.completionTime } : {}),
        ...(durationMs !== undefined && Number.isFinite(durationMs) ? { durationMs } : {}),
        ...(status.state === 'failed' ? { failedTasks: await this.#failedTasks(run) } : {}),
      },
      occurredAt:
        transition === 'deleted'
          ? new Date().toISOString()
          : (status.completionTime ?? status.startTime ?? new Date().toISOString()),
    });
    this.#d.metrics?.transitions.inc({ kind });
    this.#d.logger.info(
      { run: run.metadata.name, namespace: run.metadata.namespace, transition: kind },
      'run transition notified',
    );
  }
}
