import type { GitHubState } from './github-state.ts';
import { labelResponse } from './pull-request.ts';
import { findPull } from './pull-routes.ts';
import { send, validationFailed } from './respond.ts';
import type { RestRoute } from './rest-route.ts';

/** GitHub's cap on labels per issue. */
const maxLabels = 100;

/** `{labels: [...]}`, or the bare array GitHub also accepts; undefined when neither. */
function labelNames(body: unknown): string[] | undefined {
  const list = Array.isArray(body) ? body : (body as { labels?: unknown } | undefined)?.labels;
  if (!Array.isArray(list)) return undefined;
  const names = list.map((l: unknown) =>
    typeof l === 'string' ? l : (l as { name?: unknown } | null)?.name,
  );
  return names.every((n): n is string => typeof n === 'string' && n.trim() !== '') ? names : undefined;
}

/**
 * Labels of a pull request through the issues API (a pull request is an issue for labels): add
 * (unknown labels are created, as GitHub does) and list. Issues that are not pull requests are not
 * modelled, so any other number is a 404.
 */
export function issueLabelRoutes(state: GitHubState): RestRoute[] {
  const path = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/labels$/;
  return [
    {
      method: 'POST',
      pattern: path,
      handle: (ctx, params) => {
        const found = findPull(state, ctx.res, params);
        if (!found) return;
        const { repo, pr } = found;
        const names = labelNames(ctx.body);
        if (!names) return validationFailed(ctx.res, { resource: 'Label', code: 'invalid', field: 'labels' });
        const merged = [...new Set([...pr.labels, ...names])];
        if (merged.length > maxLabels)
          return validationFailed(ctx.res, {
            resource: 'Label',
            code: 'custom',
            field: 'labels',
            message: `Issues can have at most ${maxLabels} labels`,
          });
        pr.labels = merged;
        pr.updatedAt = Date.now();
        send(
          ctx.res,
          200,
          pr.labels.map((name) => labelResponse(ctx.base, repo, name)),
        );
      },
    },
    {
      method: 'GET',
      pattern: path,
      handle: (ctx, params) => {
        const found = findPull(state, ctx.res, params);
        if (found)
          send(
            ctx.res,
            200,
            found.pr.labels.map((name) => labelResponse(ctx.base, found.repo, name)),
          );
      },
    },
  ];
}
