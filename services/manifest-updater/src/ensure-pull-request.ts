import type { Logger } from '@signalbox/runtime';
import type { GitHost, PullRequestRef, RepoRef } from './git-host.ts';

export interface PullRequestWish {
  readonly branch: string;
  readonly base: string;
  readonly title: string;
  readonly body: string;
  readonly labels: readonly string[];
  readonly reviewers: readonly string[];
  readonly draft: boolean;
}

const alreadyExists = (err: unknown) => {
  const e = err as { status?: unknown; response?: { data?: { errors?: Array<{ message?: unknown }> } } };
  return (
    e.status === 422 &&
    (e.response?.data?.errors ?? []).some(
      (x) => typeof x.message === 'string' && /pull request already exists/i.test(x.message),
    )
  );
};

/**
 * The one open pull request for our branch: found by head `owner:branch` and brought up to date,
 * or created (with labels and reviewers). A create that loses a race ("A pull request already
 * exists", 422) finds and updates the winner instead. Reviewers that GitHub refuses (not a
 * collaborator, the author) are logged, not fatal: the PR exists and is correct.
 */
export async function ensurePullRequest(
  host: GitHost,
  repo: RepoRef,
  wish: PullRequestWish,
  logger: Logger,
): Promise<{ pull: PullRequestRef; opened: boolean }> {
  const update = async (found: PullRequestRef) => {
    const pull =
      found.title === wish.title && found.body === wish.body
        ? found
        : await host.updatePull(repo, found.number, { title: wish.title, body: wish.body });
    // Adding labels is idempotent; a worker killed right after creating the PR never added them.
    await host.addLabels(repo, pull.number, wish.labels);
    return { pull, opened: false };
  };
  const found = await host.findOpenPull(repo, wish.branch, wish.base);
  if (found) return update(found);
  let pull: PullRequestRef;
  try {
    pull = await host.createPull(repo, {
      title: wish.title,
      body: wish.body,
      branch: wish.branch,
      base: wish.base,
      draft: wish.draft,
    });
  } catch (err) {
    if (!alreadyExists(err)) throw err;
    const winner = await host.findOpenPull(repo, wish.branch, wish.base);
    if (!winner) throw err;
    return update(winner);
  }
  await host.addLabels(repo, pull.number, wish.labels);
  try {
    await host.requestReviewers(repo, pull.number, wish.reviewers);
  } catch (err) {
    if ((err as { status?: unknown }).status !== 422) throw err;
    logger.warn(
      { pr: pull.number, reviewers: wish.reviewers, err: (err as Error).message },
      'GitHub refused the reviewers (not collaborators, or the author): fix pullRequest.reviewers',
    );
  }
  return { pull, opened: true };
}
