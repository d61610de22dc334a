import type { GitHubState } from './github-state.ts';
import { pullResponse } from './pull-request.ts';
import { findPull } from './pull-routes.ts';
import { send, sendError, validationFailed } from './respond.ts';
import type { RestRoute } from './rest-route.ts';

const strings = (v: unknown): string[] | undefined =>
  v === undefined ? [] : Array.isArray(v) && v.every((s) => typeof s === 'string') ? v : undefined;

/**
 * `POST /repos/{o}/{r}/pulls/{n}/requested_reviewers` with GitHub's refusals: 422 when the author
 * is asked, or anyone who is not a collaborator (the repository's list, else the fake's, else
 * anyone is one) or a team the repository does not know.
 */
export function reviewRequestRoute(state: GitHubState): RestRoute {
  return {
    method: 'POST',
    pattern: /^\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)\/requested_reviewers$/,
    handle: async (ctx, params) => {
      const found = findPull(state, ctx.res, params);
      if (!found) return;
      const { repo, pr } = found;
      const body = (ctx.body ?? {}) as { reviewers?: unknown; team_reviewers?: unknown };
      const reviewers = strings(body.reviewers);
      const teams = strings(body.team_reviewers);
      if (!reviewers || !teams)
        return validationFailed(ctx.res, { resource: 'PullRequest', code: 'invalid', field: 'reviewers' });
      if (reviewers.some((r) => r.toLowerCase() === pr.user.toLowerCase()))
        return sendError(ctx.res, 422, 'Review cannot be requested from pull request author.');
      const collaborators = repo.collaborators ?? state.collaborators;
      const strangers = reviewers.filter((r) => collaborators && !collaborators.has(r));
      const unknownTeams = teams.filter((t) => repo.teams && !repo.teams.has(t));
      if (strangers.length > 0 || unknownTeams.length > 0)
        return sendError(
          ctx.res,
          422,
          `Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the ${repo.owner}/${repo.name} repository.`,
        );
      pr.requestedReviewers = [...new Set([...pr.requestedReviewers, ...reviewers])];
      pr.requestedTeams = [...new Set([...pr.requestedTeams, ...teams])];
      pr.updatedAt = Date.now();
      send(ctx.res, 201, await pullResponse(state, ctx.base, repo, pr));
    },
  };
}
