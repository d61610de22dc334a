import type { GitHubState } from './github-state.ts';
import { sendPage } from './paginate.ts';
import { user } from './pull-request.ts';
import { notFound, send, sendError, timestamp, type ValidationError, validationFailed } from './respond.ts';
import type { RestContext, RestRoute } from './rest-route.ts';

/** A commit status as the fake records it, for assertions. */
export interface FakeCommitStatus {
  readonly owner: string;
  readonly repo: string;
  readonly sha: string;
  readonly state: 'error' | 'failure' | 'pending' | 'success';
  readonly context: string;
  readonly description: string | null;
  readonly targetUrl: string | null;
  /** Login of the token that set it. */
  readonly creator: string;
  readonly id: number;
  readonly createdAt: number;
}

const states = ['error', 'failure', 'pending', 'success'] as const;
/** GitHub keeps at most this many statuses per sha and context. */
const maxPerContext = 1000;

const optionalString = (v: unknown): string | null | undefined =>
  v === undefined || v === null ? null : typeof v === 'string' ? v : undefined;

function statusResponse(ctx: RestContext, s: FakeCommitStatus) {
  return {
    url: `${ctx.base}/repos/${s.owner}/${s.repo}/statuses/${s.sha}`,
    id: s.id,
    node_id: `SC_${s.id}`,
    state: s.state,
    description: s.description,
    target_url: s.targetUrl,
    context: s.context,
    created_at: timestamp(s.createdAt),
    updated_at: timestamp(s.createdAt),
    creator: user(s.creator),
  };
}

function invalid(field: string, message: string): ValidationError {
  return { resource: 'Status', code: 'custom', field, message };
}

async function createStatus(state: GitHubState, ctx: RestContext, [owner, name, ref]: readonly string[]) {
  const repo = state.repos.get(owner ?? '', name ?? '');
  if (!repo) return notFound(ctx.res);
  const b = (ctx.body ?? {}) as Record<string, unknown>;
  const description = optionalString(b.description);
  const targetUrl = optionalString(b.target_url);
  const context = b.context === undefined ? 'default' : b.context;
  const errors: ValidationError[] = [];
  if (!states.includes(b.state as (typeof states)[number]))
    errors.push(invalid('state', 'state is not included in the list'));
  if (description === undefined) errors.push(invalid('description', 'description is invalid'));
  else if (description && description.length > 140)
    errors.push(invalid('description', 'description is too long (maximum is 140 characters)'));
  if (targetUrl === undefined) errors.push(invalid('target_url', 'target_url is invalid'));
  if (typeof context !== 'string' || context === '') errors.push(invalid('context', 'context is invalid'));
  if (errors.length > 0) return validationFailed(ctx.res, ...errors);
  const sha = /^[0-9a-f]{40}$/i.test(ref ?? '') ? await state.repos.resolve(repo, ref ?? '') : undefined;
  if (!sha) return sendError(ctx.res, 422, `No commit found for SHA: ${ref}`);
  const same = state.statuses.filter((s) => s.owner === repo.owner && s.repo === repo.name && s.sha === sha);
  if (same.filter((s) => s.context === context).length >= maxPerContext)
    return validationFailed(
      ctx.res,
      invalid('context', 'This SHA and context has reached the maximum number of statuses.'),
    );
  const status: FakeCommitStatus = {
    owner: repo.owner,
    repo: repo.name,
    sha,
    state: b.state as FakeCommitStatus['state'],
    context: context as string,
    description: description ?? null,
    targetUrl: targetUrl ?? null,
    creator: ctx.login,
    id: state.nextId(),
    createdAt: Date.now(),
  };
  state.statuses.push(status);
  send(ctx.res, 201, statusResponse(ctx, status));
}

async function listStatuses(state: GitHubState, ctx: RestContext, [owner, name, ref]: readonly string[]) {
  const repo = state.repos.get(owner ?? '', name ?? '');
  const sha = repo && (await state.repos.resolve(repo, ref ?? ''));
  if (!repo || !sha) return notFound(ctx.res);
  const list = state.statuses
    .filter((s) => s.owner === repo.owner && s.repo === repo.name && s.sha === sha)
    .reverse()
    .map((s) => statusResponse(ctx, s));
  sendPage(ctx.res, ctx.url, ctx.base, list);
}

/**
 * Commit statuses with GitHub's rules: a full commit sha that exists (422 `No commit found for
 * SHA`), a state of error/failure/pending/success, a description of at most 140 characters,
 * context `default` when none is given, at most 1000 per sha and context; listed newest first for
 * a sha, branch or tag.
 */
export function commitStatusRoutes(state: GitHubState): RestRoute[] {
  return [
    {
      method: 'POST',
      pattern: /^\/repos\/([^/]+)\/([^/]+)\/statuses\/([^/]+)$/,
      handle: (ctx, params) => createStatus(state, ctx, params),
    },
    {
      method: 'GET',
      pattern: /^\/repos\/([^/]+)\/([^/]+)\/commits\/(.+)\/statuses$/,
      handle: (ctx, params) => listStatuses(state, ctx, params),
    },
  ];
}
