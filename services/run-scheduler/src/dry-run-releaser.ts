import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { ConcurrencyGroups } from './concurrency-groups.ts';
import type { DryRunBackend } from './dry-run-backend.ts';

/**
 * Without a cluster there is no watch to say a run finished: every `intervalMs` (default 1 000)
 * each group that has queued runs is asked to release what fits, so deleting a run's file (or
 * giving it a finished status) starts the next queued run within about a second, as a finished
 * PipelineRun does on a cluster. Returns the function that stops it.
 */
export function startDryRunReleaser(deps: {
  backend: DryRunBackend;
  groups: ConcurrencyGroups;
  logger: Logger;
  intervalMs?: number;
}): () => Promise<void> {
  const stop = new AbortController();
  const loop = (async () => {
    while (!stop.signal.aborted) {
      try {
        await deps.groups.releaseWaiting(await deps.backend.queued());
      } catch (err) {
        deps.logger.warn({ err: (err as Error).message }, 'dry-run: could not release queued runs');
      }
      await sleep(deps.intervalMs ?? 1_000, undefined, { signal: stop.signal }).catch(() => {});
    }
  })();
  return async () => {
    stop.abort();
    await loop;
  };
}
