import type { NotificationJob } from '@signalbox/contracts';
import { classifyGitHubError, type GitHubClient } from '@signalbox/triggers';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { formatDuration } from './format-duration.ts';
import { kindRank } from './kind-rank.ts';
import type { NotifierState } from './notifier-state.ts';
import { readData } from './read-data.ts';
import { RetryLater } from './retry-later.ts';
import { truncateText } from './truncate-text.ts';

const states: Partial<Record<NotificationJob['kind'], 'pending' | 'success' | 'failure' | 'error'>> = {
  'run.queued': 'pending',
  'run.started': 'pending',
  'run.succeeded': 'success',
  'run.failed': 'failure',
  'run.cancelled': 'error',
  'run.failed_to_create': 'error',
};
/** GitHub's limit on a status description. */
const maxDescription = 140;

/**
 * What the last posted status of a commit and context was: its run and step, and when the
 * notification happened — so a repeat or a late earlier step is skipped, and a re-run (another
 * run of the same pipeline on the same commit, later) takes over.
 */
interface Posted {
  readonly run: string;
  readonly rank: number;
  readonly at: string;
}

function describe(n: NotificationJob): string {
  const d = n.data;
  const ms = readData.number(d, 'durationMs');
  const took = ms !== undefined ? ` in ${formatDuration(ms)}` : '';
  const failed = readData.list(d, 'failedTasks');
  const text =
    n.kind === 'run.queued'
      ? 'Queued: waiting for its concurrency group'
      : n.kind === 'run.started'
        ? 'Running'
        : n.kind === 'run.succeeded'
          ? `Succeeded${took}`
          : n.kind === 'run.failed'
            ? `Failed${took}${failed.length > 0 ? `: ${failed.join(', ')}` : ''}`
            : n.kind === 'run.cancelled'
              ? `Cancelled${readData.text(d, 'reason') === 'Deleted' ? ' (deleted)' : ''}`
              : 'Could not be created';
  return truncateText(text, maxDescription);
}

/** `{namespace}`, `{name}`, `{pipeline}`, `{repo}`, `{sha}` replaced, each URL-encoded. */
function targetUrl(template: string | undefined, n: NotificationJob, context: string): string | undefined {
  if (!template) return undefined;
  const values: Record<string, string> = {
    namespace: readData.text(n.data, 'namespace') ?? '',
    name: readData.text(n.data, 'name') ?? '',
    pipeline: context,
    repo: n.correlation.repo ?? '',
    sha: n.correlation.sha ?? '',
  };
  return template.replace(/\{(namespace|name|pipeline|repo|sha)\}/g, (_m, key: string) =>
    encodeURIComponent(values[key] ?? ''),
  );
}

/**
 * Sets a GitHub commit status for every `run.*` notification that names a repository and a full
 * commit sha: context = the pipeline name, state pending / success / failure / error, a short
 * description and, with a template, a link to the run. Statuses of one commit and context are
 * serialised by a short Redis lock and never go backwards within a run (GitHub shows the latest
 * status of a context, so a late `run.started` would otherwise turn a green check yellow again).
 * A transient GitHub failure is thrown (the job retries; its Slack messages are already
 * recorded); a permanent one is logged with the fix and skipped — a missing status must not
 * dead-letter the team's Slack notification.
 */
export function createCommitStatusPoster(deps: {
  github: GitHubClient;
  redis: Redis;
  prefix: string;
  /** Its thread locks serialise one commit's statuses of one context, across replicas. */
  state: NotifierState;
  logger: Logger;
  /** e.g. `https://tekton.example.com/#/namespaces/{namespace}/pipelineruns/{name}` */
  targetUrlTemplate?: string;
}) {
  return async function postCommitStatus(n: NotificationJob, jobId: string): Promise<void> {
    const state = states[n.kind];
    const repo = n.correlation.repo ?? '';
    const sha = n.correlation.sha ?? '';
    const [owner, name, ...rest] = repo.split('/');
    if (!state || !owner || !name || rest.length > 0 || !/^[0-9a-f]{40}$/.test(sha)) return;
    const context = readData.text(n.data, 'pipeline') ?? n.correlation.trigger ?? 'signalbox';
    const run = readData.text(n.data, 'uid') ?? readData.text(n.data, 'name') ?? n.key;
    const key = `${deps.prefix}:notifier:{status|${repo}@${sha}}:${context}`;
    const lockName = `${repo}@${sha}:${context}`;
    if (!(await deps.state.lock('github-status', lockName, jobId, 30_000))) {
      throw new RetryLater(200 + Math.random() * 300, 'commit status busy');
    }
    try {
      const raw = await deps.redis.get(key);
      const last = raw ? (JSON.parse(raw) as Posted) : undefined;
      // Within one run: queued → started → finished, the progression parent messages follow too.
      const mine: Posted = { run, rank: kindRank(n.kind), at: n.occurredAt };
      const stale = last && (last.run === run ? last.rank > mine.rank : last.at > mine.at);
      if (stale) {
        deps.logger.debug({ jobId, context, sha }, 'commit status skipped: a later one is already set');
        return;
      }
      const url = targetUrl(deps.targetUrlTemplate, n, context);
      try {
        await deps.github.rest.repos.createCommitStatus({
          owner,
          repo: name,
          sha,
          state,
          context,
          description: describe(n),
          ...(url ? { target_url: url } : {}),
        });
      } catch (err) {
        const failure = classifyGitHubError(err, {
          what: `setting the ${context} status of ${repo}@${sha.slice(0, 7)}`,
          needs: 'the repo:status scope for a classic token, or Commit statuses: write',
          credential: 'the file SIGNALBOX_GITHUB_TOKEN_FILE names',
        });
        if (failure.transient) throw new Error(failure.message, { cause: err });
        deps.logger.error({ jobId, status: failure.status }, failure.message);
        return;
      }
      await deps.redis.set(key, JSON.stringify(mine), 'EX', 30 * 24 * 3600);
    } finally {
      await deps.state.unlock('github-status', lockName, jobId);
    }
  };
}
