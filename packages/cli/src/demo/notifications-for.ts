import { notificationsQueue } from '@signalbox/contracts';
import type { Queue } from 'bullmq';

/** A notification about the demo's change and what the notifier has done with it so far. */
export interface DemoNotification {
  readonly kind: string;
  readonly state: string;
}

/**
 * The notifications about one change (its commit sha, or its image and digest), whichever service
 * emitted them, with each job's state: `completed` means the notifier has delivered it to every
 * route it matched — for a console route, printed on the terminal of `signalbox start`.
 */
export async function notificationsFor(
  queue: Queue,
  change: { sha: string; image: string; digest: string },
): Promise<DemoNotification[]> {
  const out: (DemoNotification & { at: number })[] = [];
  const jobs = await queue.getJobs(
    ['completed', 'failed', 'active', 'waiting', 'delayed', 'prioritized'],
    0,
    999,
  );
  for (const job of jobs) {
    const parsed = notificationsQueue.schema.safeParse(job.data);
    if (!parsed.success) continue;
    const c = parsed.data.correlation;
    const ours = c.sha === change.sha || (c.image === change.image && c.digest === change.digest);
    if (ours) out.push({ kind: parsed.data.kind, state: await job.getState(), at: job.timestamp });
  }
  // In the order they were emitted, as the notifier printed them.
  return out.sort((a, b) => a.at - b.at).map(({ kind, state }) => ({ kind, state }));
}
