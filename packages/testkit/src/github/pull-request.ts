import type { FakeRepo } from './bare-repos.ts';
import type { GitHubState } from './github-state.ts';
import { timestamp } from './respond.ts';

/** A pull request as the fake stores it; `fake.pulls()` hands out these records for assertions. */
export interface FakePullRequest {
  readonly owner: string;
  readonly repo: string;
  readonly number: number;
  readonly id: number;
  /** Login of the token that opened it. */
  readonly user: string;
  /** Branch names in the repository (forks are not modelled). */
  readonly head: string;
  base: string;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  draft: boolean;
  maintainerCanModify: boolean;
  /** The head commit when last seen, kept for when the branch is deleted. */
  headSha: string;
  labels: string[];
  requestedReviewers: string[];
  requestedTeams: string[];
  readonly createdAt: number;
  updatedAt: number;
  closedAt: number | undefined;
}

/** A user object as GitHub embeds it (ids derived from the login, stable across runs). */
export const user = (login: string) => ({
  login,
  id: [...login].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7),
  type: login.endsWith('[bot]') ? 'Bot' : 'User',
});

/** The label object GitHub returns for a name (colour and ids are not modelled beyond shape). */
export function labelResponse(base: string, repo: FakeRepo, name: string) {
  return {
    id: [...name].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 11),
    name,
    url: `${base}/repos/${repo.owner}/${repo.name}/labels/${encodeURIComponent(name)}`,
    color: 'ededed',
    default: false,
    description: null,
  };
}

/** The repository object embedded in `head.repo` / `base.repo`. */
export function repoResponse(base: string, repo: FakeRepo) {
  return {
    id: repo.id,
    name: repo.name,
    full_name: `${repo.owner}/${repo.name}`,
    owner: user(repo.owner),
    private: repo.private,
    html_url: `${base}/${repo.owner}/${repo.name}`,
    url: `${base}/repos/${repo.owner}/${repo.name}`,
    clone_url: `${base}/${repo.owner}/${repo.name}.git`,
    default_branch: repo.defaultBranch,
  };
}

/**
 * The pull request in the shape octokit users read. `head.sha` and `base.sha` are the branches'
 * current tips, as on GitHub, where pushing to the head branch updates the pull request.
 */
export async function pullResponse(state: GitHubState, base: string, repo: FakeRepo, pr: FakePullRequest) {
  const headSha = await state.repos.resolve(repo, `refs/heads/${pr.head}`);
  if (headSha) pr.headSha = headSha;
  const baseSha = (await state.repos.resolve(repo, `refs/heads/${pr.base}`)) ?? '';
  const api = `${base}/repos/${repo.owner}/${repo.name}`;
  const repoBody = repoResponse(base, repo);
  return {
    url: `${api}/pulls/${pr.number}`,
    id: pr.id,
    node_id: `PR_${pr.id}`,
    html_url: `${base}/${repo.owner}/${repo.name}/pull/${pr.number}`,
    diff_url: `${base}/${repo.owner}/${repo.name}/pull/${pr.number}.diff`,
    patch_url: `${base}/${repo.owner}/${repo.name}/pull/${pr.number}.patch`,
    issue_url: `${api}/issues/${pr.number}`,
    commits_url: `${api}/pulls/${pr.number}/commits`,
    statuses_url: `${api}/statuses/${pr.headSha}`,
    number: pr.number,
    state: pr.state,
    locked: false,
    title: pr.title,
    user: user(pr.user),
    body: pr.body,
    labels: pr.labels.map((name) => labelResponse(base, repo, name)),
    milestone: null,
    active_lock_reason: null,
    created_at: timestamp(pr.createdAt),
    updated_at: timestamp(pr.updatedAt),
    closed_at: pr.closedAt === undefined ? null : timestamp(pr.closedAt),
    merged_at: null,
    merge_commit_sha: null,
    assignee: null,
    assignees: [],
    requested_reviewers: pr.requestedReviewers.map(user),
    requested_teams: pr.requestedTeams.map((slug) => ({ slug, name: slug, id: slug.length })),
    head: {
      label: `${repo.owner}:${pr.head}`,
      ref: pr.head,
      sha: pr.headSha,
      user: user(repo.owner),
      repo: repoBody,
    },
    base: {
      label: `${repo.owner}:${pr.base}`,
      ref: pr.base,
      sha: baseSha,
      user: user(repo.owner),
      repo: repoBody,
    },
    author_association: 'CONTRIBUTOR',
    auto_merge: null,
    draft: pr.draft,
    merged: false,
    mergeable: null,
    maintainer_can_modify: pr.maintainerCanModify,
  };
}
