import type { BareRepos } from './bare-repos.ts';
import type { FakeCommitStatus } from './commit-statuses.ts';
import type { FakePullRequest } from './pull-request.ts';

/** Everything the fake's endpoints share: repositories, pull requests, statuses. */
export interface GitHubState {
  readonly repos: BareRepos;
  /** `owner/repo` (lower case) → its pull requests in creation order. */
  readonly pulls: Map<string, FakePullRequest[]>;
  /** `owner/repo#number` → file names; an entry wins over the git diff. */
  readonly pullFiles: Map<string, string[]>;
  readonly statuses: FakeCommitStatus[];
  /** Users that may be asked for a review in repositories without their own list (undefined: anyone). */
  readonly collaborators: ReadonlySet<string> | undefined;
  /** Ids for created objects, unique across the fake like GitHub's database ids. */
  nextId(): number;
}

export function repoKey(owner: string, repo: string): string {
  return `${owner}/${repo}`.toLowerCase();
}
