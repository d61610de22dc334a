import type { ServerResponse } from 'node:http';
import type { FakeRepo } from './bare-repos.ts';
import { type GitHubState, repoKey } from './github-state.ts';
import { sendPage } from './paginate.ts';
import { type FakePullRequest, pullResponse } from './pull-request.ts';
import { notFound, send, sendError, validationFailed } from './respond.ts';
import { bodyObject, type RestContext, type RestRoute } from './rest-route.ts';

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** `head` as GitHub takes it: `branch` or `owner:branch` of the same repository (forks are not modelled). */
function headBranch(repo: FakeRepo, head: string): string | undefined {
  const i = head.indexOf(':');
  if (i < 0) return head;
  return head.slice(0, i).toLowerCase() === repo.owner.toLowerCase() ? head.slice(i + 1) : undefined;
}

/** Finds the repository and pull request a route names, answering 404 itself when either is missing. */
export function findPull(
  state: GitHubState,
  res: ServerResponse,
  [owner, name, number]: readonly string[],
): { repo: FakeRepo; pr: FakePullRequest } | undefined {
  const repo = state.repos.get(owner ?? '', name ?? '');
  const pr =
    repo && state.pulls.get(repoKey(repo.owner, repo.name))?.find((p) => p.number === Number(number));
  if (!repo || !pr) {
    notFound(res);
    return undefined;
  }
  return { repo, pr };
}

function findRepo(
  state: GitHubState,
  res: ServerResponse,
  [owner, name]: readonly string[],
): FakeRepo | undefined {
  const repo = state.repos.get(owner ?? '', name ?? '');
  if (!repo) notFound(res);
  return repo;
}

async function listPulls(state: GitHubState, ctx: RestContext, params: readonly string[]): Promise<void> {
  const repo = findRepo(state, ctx.res, params);
  if (!repo) return;
  const q = ctx.url.searchParams;
  const wanted = q.get('state') ?? 'open';
  if (!['open', 'closed', 'all'].includes(wanted))
    return validationFailed(ctx.res, { resource: 'Search', field: 'state', code: 'invalid' });
  // GitHub ignores a head filter that is not `owner:branch` (it then lists every pull request).
  const head = q.get('head');
  const headLabel = head && /^[^:]+:.+$/.test(head) ? head.toLowerCase() : undefined;
  const base = q.get('base');
  const selected = (state.pulls.get(repoKey(repo.owner, repo.name)) ?? []).filter(
    (pr) =>
      (wanted === 'all' || pr.state === wanted) &&
      (!headLabel || `${repo.owner}:${pr.head}`.toLowerCase() === headLabel) &&
      (!base || pr.base === base),
  );
  const ascending = q.get('direction') === 'asc';
  selected.sort((a, b) => (ascending ? a.number - b.number : b.number - a.number));
  const bodies = await Promise.all(selected.map((pr) => pullResponse(state, ctx.base, repo, pr)));
  sendPage(ctx.res, ctx.url, ctx.base, bodies);
}

/** The 422s GitHub gives for a head/base pair that cannot be a pull request, or undefined when it can. */
async function checkBranches(
  state: GitHubState,
  repo: FakeRepo,
  head: string,
  base: string,
): Promise<Parameters<typeof validationFailed>[1] | undefined> {
  const baseSha = await state.repos.resolve(repo, `refs/heads/${base}`);
  if (!baseSha) return { resource: 'PullRequest', field: 'base', code: 'invalid' };
  const headSha = await state.repos.resolve(repo, `refs/heads/${head}`);
  if (!headSha) return { resource: 'PullRequest', field: 'head', code: 'invalid' };
  const ahead = Number(
    (await state.repos.git(repo, ['rev-list', '--count', `${baseSha}..${headSha}`])).trim(),
  );
  if (ahead === 0)
    return { resource: 'PullRequest', code: 'custom', message: `No commits between ${base} and ${head}` };
  return undefined;
}

const alreadyExists = (repo: FakeRepo, head: string) =>
  ({
    resource: 'PullRequest',
    code: 'custom',
    message: `A pull request already exists for ${repo.owner}:${head}.`,
  }) as const;

async function createPull(state: GitHubState, ctx: RestContext, params: readonly string[]): Promise<void> {
  const repo = findRepo(state, ctx.res, params);
  if (!repo) return;
  const b = bodyObject(ctx.body);
  const title = str(b.title);
  const headInput = str(b.head);
  const base = str(b.base);
  const missing = (['title', 'head', 'base'] as const).filter((f) => typeof b[f] !== 'string' || b[f] === '');
  if (missing.length > 0 && !(missing.length === 1 && missing[0] === 'title' && b.issue !== undefined))
    return validationFailed(
      ctx.res,
      ...missing.map((field) => ({ resource: 'PullRequest', code: 'missing_field', field }) as const),
    );
  const head = headBranch(repo, headInput ?? '');
  if (!head || !base)
    return validationFailed(ctx.res, { resource: 'PullRequest', field: 'head', code: 'invalid' });
  const problem = await checkBranches(state, repo, head, base);
  if (problem) return validationFailed(ctx.res, problem);
  // Checked after the awaits, so two concurrent creates cannot both pass.
  const list = state.pulls.get(repoKey(repo.owner, repo.name)) ?? [];
  if (list.some((p) => p.state === 'open' && p.head === head && p.base === base))
    return validationFailed(ctx.res, alreadyExists(repo, head));
  const now = Date.now();
  const pr: FakePullRequest = {
    owner: repo.owner,
    repo: repo.name,
    number: list.length + 1,
    id: state.nextId(),
    user: ctx.login,
    head,
    base,
    title: title ?? '',
    body: str(b.body) ?? null,
    state: 'open',
    draft: b.draft === true,
    maintainerCanModify: b.maintainer_can_modify !== false,
    headSha: '',
    labels: [],
    requestedReviewers: [],
    requestedTeams: [],
    createdAt: now,
    updatedAt: now,
    closedAt: undefined,
  };
  list.push(pr);
  state.pulls.set(repoKey(repo.owner, repo.name), list);
  send(ctx.res, 201, await pullResponse(state, ctx.base, repo, pr), {
    location: `${ctx.base}/repos/${repo.owner}/${repo.name}/pulls/${pr.number}`,
  });
}

async function updatePull(state: GitHubState, ctx: RestContext, params: readonly string[]): Promise<void> {
  const found = findPull(state, ctx.res, params);
  if (!found) return;
  const { repo, pr } = found;
  const b = bodyObject(ctx.body);
  if (b.state !== undefined && b.state !== 'open' && b.state !== 'closed')
    return validationFailed(ctx.res, { resource: 'PullRequest', field: 'state', code: 'invalid' });
  const base = str(b.base) ?? pr.base;
  const reopening = b.state === 'open' && pr.state === 'closed';
  if (base !== pr.base && !(await state.repos.resolve(repo, `refs/heads/${base}`)))
    return validationFailed(ctx.res, { resource: 'PullRequest', field: 'base', code: 'invalid' });
  if (reopening && !(await state.repos.resolve(repo, `refs/heads/${pr.head}`)))
    return sendError(ctx.res, 422, 'Cannot reopen this pull request: the head branch was deleted');
  const nowOpen = b.state === 'open' || (b.state === undefined && pr.state === 'open');
  const others = state.pulls.get(repoKey(repo.owner, repo.name)) ?? [];
  if (nowOpen && others.some((p) => p !== pr && p.state === 'open' && p.head === pr.head && p.base === base))
    return validationFailed(ctx.res, alreadyExists(repo, pr.head));
  if (typeof b.title === 'string') pr.title = b.title;
  if (b.body !== undefined) pr.body = str(b.body) ?? null;
  if (typeof b.maintainer_can_modify === 'boolean') pr.maintainerCanModify = b.maintainer_can_modify;
  pr.base = base;
  if (b.state === 'closed' && pr.state === 'open') pr.closedAt = Date.now();
  if (reopening) pr.closedAt = undefined;
  if (b.state === 'open' || b.state === 'closed') pr.state = b.state;
  pr.updatedAt = Date.now();
  send(ctx.res, 200, await pullResponse(state, ctx.base, repo, pr));
}

async function getPull(state: GitHubState, ctx: RestContext, params: readonly string[]): Promise<void> {
  const found = findPull(state, ctx.res, params);
  if (found) send(ctx.res, 200, await pullResponse(state, ctx.base, found.repo, found.pr));
}

/**
 * The pulls endpoints with GitHub's rules: list filtered by state, `owner:branch` head (a bare
 * branch name filters nothing) and base, newest first, paginated; create refusing a second open
 * pull request for the same head and base, a missing branch and a head with no commits beyond
 * base (422 `Validation Failed`); update of title, body, state and base.
 */
export function pullRoutes(state: GitHubState): RestRoute[] {
  const repoPath = '^/repos/([^/]+)/([^/]+)';
  return [
    { method: 'GET', pattern: new RegExp(`${repoPath}/pulls$`), handle: (c, p) => listPulls(state, c, p) },
    { method: 'POST', pattern: new RegExp(`${repoPath}/pulls$`), handle: (c, p) => createPull(state, c, p) },
    {
      method: 'GET',
      pattern: new RegExp(`${repoPath}/pulls/(\\d+)$`),
      handle: (c, p) => getPull(state, c, p),
    },
    {
      method: 'PATCH',
      pattern: new RegExp(`${repoPath}/pulls/(\\d+)$`),
      handle: (c, p) => updatePull(state, c, p),
    },
  ];
}
