import { type KubeConfig, KubernetesObjectApi, Watch } from '@kubernetes/client-node';
import type { Correlation, NotificationKind, notificationsQueue } from '@signalbox/contracts';
import type { Producer } from '@signalbox/runtime';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ConcurrencyGroups } from './concurrency-groups.ts';
import { correlationAnnotation, managedLabel } from './create-run.ts';
import type { KubeObject } from './run-backend.ts';
import { runStatus } from './run-state.ts';

const transitionKinds: Record<string, NotificationKind> = {
  running: 'run.started',
  succeeded: 'run.succeeded',
  failed: 'run.failed',
};

export interface RunStatusWatcherDeps {
  readonly kc: KubeConfig;
  readonly redis: Redis;
  readonly prefix: string;
  readonly notifications: Producer<typeof notificationsQueue>;
  readonly groups?: ConcurrencyGroups;
  readonly logger: Logger;
  readonly namespaces: readonly string[];
  /** Reconnect backoff bounds (ms). */
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
}

/**
 * Follows the PipelineRuns Signalbox created (label `signalbox.dev/managed-by`) with list + watch
 * per namespace: resumes from the last resourceVersion (bookmarks keep it fresh), relists on
 * 410 Expired, reconnects with backoff. Each transition (started, succeeded, failed) is notified
 * exactly once per run, across restarts and replicas: a Redis marker per run uid and transition,
 * and a notification job id derived from the same pair.
 */
export class RunStatusWatcher {
  readonly #d: RunStatusWatcherDeps;
  readonly #api: KubernetesObjectApi;
  #stopped = false;
  readonly #controllers = new Set<AbortController>();
  readonly #loops: Promise<void>[] = [];
  /** Transitions notified by this process (for tests and metrics). */
  notified = 0;

  constructor(deps: RunStatusWatcherDeps) {
    this.#d = deps;
    this.#api = KubernetesObjectApi.makeApiClient(deps.kc);
  }

  start(): void {
    for (const ns of this.#d.namespaces) this.#loops.push(this.#loop(ns));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const c of this.#controllers) c.abort();
    await Promise.allSettled(this.#loops);
  }

  async #loop(namespace: string): Promise<void> {
    let backoff = this.#d.minBackoffMs ?? 200;
    let rv: string | undefined;
    while (!this.#stopped) {
      try {
        if (!rv) {
          const list = await this.#api.list(
            'tekton.dev/v1',
            'PipelineRun',
            namespace,
            undefined,
            undefined,
            undefined,
            undefined,
            `${managedLabel}=signalbox`,
          );
          for (const item of list.items) await this.#observe(item as KubeObject);
          rv = list.metadata?.resourceVersion;
        }
        const outcome = await this.#watch(namespace, rv, (next) => {
          rv = next;
        });
        if (outcome === 'expired') {
          this.#d.logger.info({ namespace }, 'watch expired (410): relisting');
          rv = undefined;
        }
        backoff = this.#d.minBackoffMs ?? 200;
      } catch (err) {
        if (this.#stopped) break;
        this.#d.logger.warn(
          { namespace, err: (err as Error).message, backoffMs: backoff },
          'run watch failed; reconnecting',
        );
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, this.#d.maxBackoffMs ?? 30_000);
      }
    }
  }

  #watch(
    namespace: string,
    rv: string | undefined,
    onRv: (rv: string) => void,
  ): Promise<'closed' | 'expired'> {
    return new Promise((resolve, reject) => {
      let expired = false;
      let chain = Promise.resolve();
      const watch = new Watch(this.#d.kc);
      watch
        .watch(
          `/apis/tekton.dev/v1/namespaces/${namespace}/pipelineruns`,
          {
            ...(rv ? { resourceVersion: rv } : {}),
            allowWatchBookmarks: true,
            labelSelector: `${managedLabel}=signalbox`,
            timeoutSeconds: 300,
          },
          (type, obj: KubeObject & { code?: number }) => {
            if (type === 'ERROR') {
              if (obj.code === 410) expired = true;
              return;
            }
            const next = obj.metadata?.resourceVersion as string | undefined;
            if (type === 'BOOKMARK') {
              if (next) onRv(next);
              return;
            }
            chain = chain.then(async () => {
              if (type !== 'DELETED') await this.#observe(obj);
              if (next) onRv(next);
            });
          },
          (err) => {
            this.#controllers.delete(controller);
            chain.then(
              () =>
                err && !this.#stopped && err.name !== 'AbortError'
                  ? reject(err)
                  : resolve(expired ? 'expired' : 'closed'),
              reject,
            );
          },
        )
        .then((c) => {
          controller = c;
          this.#controllers.add(c);
          if (this.#stopped) c.abort();
        }, reject);
      let controller: AbortController;
    });
  }

  /**
   * Tekton v1 no longer embeds TaskRun statuses in the PipelineRun: the failed tasks are the
   * run's TaskRuns (label `tekton.dev/pipelineRun`) whose Succeeded condition is False, named by
   * their `tekton.dev/pipelineTask` label. Best effort: a failure to list them leaves the list empty.
   */
  async #failedTasks(run: KubeObject): Promise<string[]> {
    try {
      const list = await this.#api.list(
        'tekton.dev/v1',
        'TaskRun',
        run.metadata.namespace,
        undefined,
        undefined,
        undefined,
        undefined,
        `tekton.dev/pipelineRun=${run.metadata.name}`,
      );
      return list.items
        .filter((t) => runStatus(t as KubeObject).state === 'failed')
        .map((t) => t.metadata?.labels?.['tekton.dev/pipelineTask'] ?? t.metadata?.name ?? '')
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
    let correlation: Partial<Correlation> = {};
    try {
      correlation = JSON.parse(
        String(
          (run.metadata.annotations as Record<string, string> | undefined)?.[correlationAnnotation] ?? '{}',
        ),
      );
    } catch {
      // A run someone edited by hand: notify without correlation.
    }
    const durationMs =
      status.startTime && status.completionTime
        ? Date.parse(status.completionTime) - Date.parse(status.startTime)
        : undefined;
    await this.#d.notifications.add({
      kind,
      key: `${uid}/${status.state}`,
      correlation,
      data: {
        name: run.metadata.name,
        namespace: run.metadata.namespace,
        kind: run.kind,
        ...(status.reason ? { reason: status.reason } : {}),
        ...(status.message ? { message: status.message } : {}),
        ...(durationMs !== undefined ? { durationMs } : {}),
        ...(status.state === 'failed' && run.kind === 'PipelineRun'
          ? { failedTasks: await this.#failedTasks(run) }
          : {}),
      },
      occurredAt: status.completionTime ?? status.startTime ?? new Date().toISOString(),
    });
    await this.#d.redis.set(marker, '1', 'EX', 14 * 24 * 3600);
    this.notified++;
    this.#d.logger.info(
      { run: run.metadata.name, namespace: run.metadata.namespace, transition: kind },
      'run transition notified',
    );
    if ((status.state === 'succeeded' || status.state === 'failed') && this.#d.groups)
      await this.#d.groups.release(run);
  }
}
