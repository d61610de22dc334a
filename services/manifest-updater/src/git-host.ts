/** A repository on the Git host. */
export interface RepoRef {
  readonly owner: string;
  readonly repo: string;
}

export interface PullRequestRef {
  readonly number: number;
  readonly url: string;
  readonly title: string;
  readonly body: string;
}

/**
 * The pull-request calls the manifest-updater makes (GitHub REST; Octokit in `octokitGitHost`).
 * Errors are the client's own; `classifyGitHubError` decides what they mean.
 */
export interface GitHost {
  /** The open PR whose head is `owner:branch` (GitHub ignores a bare branch name). */
  findOpenPull(repo: RepoRef, branch: string, base: string): Promise<PullRequestRef | undefined>;
  createPull(
    repo: RepoRef,
    pull: { title: string; body: string; branch: string; base: string; draft: boolean },
  ): Promise<PullRequestRef>;
  updatePull(repo: RepoRef, number: number, pull: { title: string; body: string }): Promise<PullRequestRef>;
  addLabels(repo: RepoRef, number: number, labels: readonly string[]): Promise<void>;
  /** `org/team` entries are team reviewers, the rest users. */
  requestReviewers(repo: RepoRef, number: number, reviewers: readonly string[]): Promise<void>;
  /** Closes the PR, saying why at the end of its body. */
  closePull(repo: RepoRef, number: number, reason: string): Promise<void>;
}
