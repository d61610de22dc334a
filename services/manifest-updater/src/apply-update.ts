import type { Logger } from '@signalbox/runtime';
import type { ImageUpdatePolicySpec } from '@signalbox/triggers';
import { ensurePullRequest } from './ensure-pull-request.ts';
import type { GitHost, PullRequestRef } from './git-host.ts';
import { pullRequestText, type UpdateDescription } from './pull-request-text.ts';
import type { Target } from './resolve-target.ts';
import { updateBranch } from './update-branch.ts';

/** What one update did. */
export type UpdateOutcome =
  /** The target branch already points at the image: no branch, no PR (an open one is closed). */
  | { readonly kind: 'unchanged'; readonly closed?: PullRequestRef }
  /** Local target: the branch is in the local repository. */
  | { readonly kind: 'branch'; readonly branch: string; readonly commit: string; readonly from: string[] }
  | {
      readonly kind: 'pull';
      readonly branch: string;
      readonly commit: string;
      readonly pull: PullRequestRef;
      readonly opened: boolean;
      readonly from: string[];
    };

export interface ApplyDeps {
  readonly workDir: string;
  /** A token for the policy's host (undefined for a local target). */
  readonly token?: string | undefined;
  /** Builds the Git host client for a token. */
  readonly gitHost: (token: string) => GitHost;
  readonly logger: Logger;
}

/** `signalbox/<policy>-<target-branch>`: one branch, hence one open PR, per image and target branch. */
export const branchName = (policy: string, targetBranch: string) =>
  `signalbox/${policy}-${targetBranch.replace(/[^A-Za-z0-9._-]+/g, '-')}`;

/**
 * Puts one image into one policy's target: rebuilds our branch with the edit and pushes it, then
 * (GitHub target) opens or refreshes its pull request. With nothing to change, no branch is
 * touched and a PR left open for an older tag is closed, since the target already has what it
 * asked for.
 */
export async function applyUpdate(
  policy: { name: string; spec: ImageUpdatePolicySpec },
  target: Target,
  description: UpdateDescription,
  date: Date,
  deps: ApplyDeps,
): Promise<UpdateOutcome> {
  const spec = policy.spec;
  const branch = branchName(policy.name, spec.target.branch);
  const secretConfig =
    target.kind === 'github' && deps.token
      ? {
          [`http.${new URL(target.url).origin}/.extraHeader`]: `Authorization: Basic ${Buffer.from(`x-access-token:${deps.token}`).toString('base64')}`,
        }
      : {};
  let text = { title: '', body: '' };
  const update = await updateBranch({
    workDir: deps.workDir,
    url: target.url,
    secretConfig,
    targetBranch: spec.target.branch,
    branch,
    paths: spec.target.paths,
    image: description.image,
    tag: description.tag,
    digest: description.digest,
    pin: spec.pin,
    author: spec.commit.author,
    date,
    message: (changed) => {
      text = pullRequestText(spec.pullRequest.titlePrefix, description, changed);
      return `${text.title}\n\n${text.body}`;
    },
  });
  for (const p of update.problems)
    deps.logger.warn({ path: p.path, problem: p.message }, 'a manifest could not be edited');
  const from = [...new Set(update.changed.flatMap((c) => c.edits.map((e) => e.old)))];
  const repo = target.kind === 'github' ? { owner: target.owner, repo: target.repo } : undefined;
  const host = repo && deps.token ? deps.gitHost(deps.token) : undefined;
  if (!update.commit) {
    if (!host || !repo) return { kind: 'unchanged' };
    const open = await host.findOpenPull(repo, branch, spec.target.branch);
    if (!open) return { kind: 'unchanged' };
    await host.closePull(
      repo,
      open.number,
      `\`${spec.target.branch}\` already points at \`${description.image}:${description.tag}\`: nothing left to update.`,
    );
    return { kind: 'unchanged', closed: open };
  }
  if (!host || !repo) return { kind: 'branch', branch, commit: update.commit, from };
  const { pull, opened } = await ensurePullRequest(
    host,
    repo,
    {
      branch,
      base: spec.target.branch,
      title: text.title,
      body: text.body,
      labels: spec.pullRequest.labels,
      reviewers: spec.pullRequest.reviewers,
      draft: spec.pullRequest.draft,
    },
    deps.logger,
  );
  return { kind: 'pull', branch, commit: update.commit, pull, opened, from };
}
