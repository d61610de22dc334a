import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { type FakeGitHubApp, issueInstallationToken } from './app-installation-tokens.ts';
import { BareRepos, type CreateRepoOptions, type FakeRepo } from './bare-repos.ts';
import { commitStatusRoutes, type FakeCommitStatus } from './commit-statuses.ts';
import { Credentials } from './credentials.ts';
import { parseGitRequest, serveGitHttp } from './git-http.ts';
import {
  type FaultedRequest,
  type GitHubFault,
  type GitHubFaultHandle,
  GitHubFaults,
} from './github-faults.ts';
import { type GitHubState, repoKey } from './github-state.ts';
import { type FakeHookDelivery, type HookState, hookDeliveryRoutes } from './hook-deliveries.ts';
import { issueLabelRoutes } from './issue-labels.ts';
import { pullFilesRoute } from './pull-files.ts';
import type { FakePullRequest } from './pull-request.ts';
import { pullRoutes } from './pull-routes.ts';
import { RateLimiter, rateLimitHeaders } from './rate-limit.ts';
import { docsUrl, notFound, sendError } from './respond.ts';
import type { RestRoute } from './rest-route.ts';
import { reviewRequestRoute } from './review-requests.ts';
import type { GitIdentity } from './run-git.ts';

export type {
  CreateRepoOptions,
  FakeCommitStatus,
  FakeGitHubApp,
  FakeHookDelivery,
  FakePullRequest,
  FakeRepo,
  FaultedRequest,
  GitHubFault,
  GitHubFaultHandle,
  GitIdentity,
};

/** Options of `startGitHubFake`. */
export interface GitHubFakeOptions {
  /** The token every REST request must present and git accepts as password (default `ghp_test`). */
  readonly token?: string;
  /** Whose token `token` is: the author of pull requests it opens (default `signalbox-bot`). */
  readonly login?: string;
  /** More tokens, token → login (e.g. a second user whose review may be requested). */
  readonly tokens?: Readonly<Record<string, string>>;
  /** Users that may be asked for reviews in repositories without their own list (default: anyone). */
  readonly collaborators?: readonly string[];
  /**
   * A GitHub App: `POST /app/installations/{id}/access_tokens` with a JWT it signed (RS256,
   * verified with this key) returns an installation token usable for REST and git.
   */
  readonly app?: FakeGitHubApp;
  /** The primary rate limit per token (default 5000 requests per 3600 s, as for a PAT). */
  readonly rateLimit?: { readonly limit?: number; readonly windowSeconds?: number };
}

/** One request as the fake saw it. */
export interface FakeRequest {
  readonly method: string;
  /** Path and query string. */
  readonly path: string;
  readonly authorization: string | undefined;
  /** The JSON body of a REST request (undefined for git requests and empty bodies). */
  readonly body: unknown;
  /** The status answered (0 until the response is written). */
  readonly status: number;
  /** When the request arrived (epoch ms). */
  readonly at: number;
}

/** A running GitHub fake: REST at `apiUrl` (the server root, like api.github.com), git under `gitUrl()`. */
export interface GitHubFake {
  /** The server's origin, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  /** The REST base for octokit's `baseUrl` / `GITHUB_API_URL` (same as `url`). */
  readonly apiUrl: string;
  /** The clone URL `<url>/<owner>/<repo>.git`. */
  gitUrl(owner: string, repo: string): string;
  /** `owner/repo#number` → file names of the pull request (wins over the git diff). */
  readonly pullFiles: Map<string, string[]>;
  /** `owner/repo/hookId` → deliveries, newest first (as GitHub lists them). */
  readonly hookDeliveries: Map<string, FakeHookDelivery[]>;
  /** `owner/repo/hookId` → the hook's configured URL, where redeliveries are POSTed. */
  readonly hooks: Map<string, { url: string }>;
  /** Redelivery attempts asked for: `owner/repo/hookId/deliveryId`. */
  readonly redeliveries: string[];
  /** Resolves once every redelivery asked for so far has been sent and its outcome listed. */
  settled(): Promise<void>;
  /** Every request, REST and git, in arrival order. */
  readonly requests: readonly FakeRequest[];
  /** Accepts another token from now on. */
  addToken(token: string, login: string): void;
  /** Creates a bare repository with an initial commit on its default branch. */
  createRepo(owner: string, repo: string, options?: CreateRepoOptions): Promise<FakeRepo>;
  /** Runs git in the bare repository and resolves with its stdout. */
  git(owner: string, repo: string, ...args: string[]): Promise<string>;
  /** A file's content at a ref (branch, tag or sha); undefined when either is missing. */
  readFile(owner: string, repo: string, ref: string, path: string): Promise<string | undefined>;
  /** Branch name → commit sha. */
  branches(owner: string, repo: string): Promise<Record<string, string>>;
  /**
   * Commits `files` (path → content, `null` deletes) on `branch` as another user pushing would
   * (the branch is created when missing); resolves with the new commit's sha.
   */
  pushCommit(
    owner: string,
    repo: string,
    branch: string,
    files: Readonly<Record<string, string | null>>,
    message?: string,
    author?: GitIdentity,
  ): Promise<string>;
  /** The repository's pull requests in creation order (live records). */
  pulls(owner: string, repo: string): readonly FakePullRequest[];
  /** Every commit status created, oldest first. */
  readonly statuses: readonly FakeCommitStatus[];
  /**
   * Fault injection for REST and git requests: the next `times` requests matching a method and
   * path answer 5xx, a primary or secondary rate limit, or 429; each handle records whether the
   * client waited as told before its next matching request.
   */
  readonly faults: { inject(fault: GitHubFault): GitHubFaultHandle; clear(): void };
  /** Stops the server and removes the repositories from disk. */
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function matchRoute(routes: readonly RestRoute[], method: string, path: string) {
  for (const route of routes) {
    if (route.method !== method) continue;
    const m = route.pattern.exec(path);
    if (m) return { route, params: m.slice(1).map((p) => decodeURIComponent(p ?? '')) };
  }
  return undefined;
}

/**
 * A protocol-level GitHub fake for the calls Signalbox makes, over real HTTP, with GitHub's rules:
 * REST at the root with tokens required (401 `Bad credentials`), `x-ratelimit-*` headers and a
 * primary limit, `per_page` ≤ 100 and `Link` pagination, 404/422 bodies as GitHub words them; the
 * pulls API over real bare repositories; git smart HTTP through `git http-backend`, with HTTP Basic
 * auth (token as password) required to push and to read private repositories.
 */
export async function startGitHubFake(options: GitHubFakeOptions = {}): Promise<GitHubFake> {
  const credentials = new Credentials();
  credentials.add(options.token ?? 'ghp_test', options.login ?? 'signalbox-bot');
  for (const [token, login] of Object.entries(options.tokens ?? {})) credentials.add(token, login);
  const repos = await BareRepos.create();
  let id = 1000;
  const state: GitHubState = {
    repos,
    pulls: new Map(),
    pullFiles: new Map(),
    statuses: [],
    collaborators: options.collaborators && new Set(options.collaborators),
    nextId: () => ++id,
  };
  const hookState: HookState = {
    hookDeliveries: new Map(),
    hooks: new Map(),
    redeliveries: [],
    pending: new Set(),
  };
  const routes: RestRoute[] = [
    ...pullRoutes(state),
    pullFilesRoute(state),
    reviewRequestRoute(state),
    ...issueLabelRoutes(state),
    ...commitStatusRoutes(state),
    ...hookDeliveryRoutes(hookState),
  ];
  const faults = new GitHubFaults();
  const limiter = new RateLimiter(options.rateLimit?.limit ?? 5000, options.rateLimit?.windowSeconds ?? 3600);
  const requests: (FakeRequest & { body: unknown; status: number })[] = [];
  let base = '';

  const serveGit = (req: IncomingMessage, res: ServerResponse, url: URL): boolean => {
    const git = parseGitRequest(url);
    if (!git) return false;
    const repo = repos.get(git.owner, git.repo);
    const login = credentials.basic(req.headers.authorization);
    const needsAuth = git.service === 'git-receive-pack' || !repo || repo.private;
    if ((needsAuth || req.headers.authorization) && !login) {
      req.resume();
      res
        .writeHead(401, { 'www-authenticate': 'Basic realm="GitHub"', 'content-type': 'text/plain' })
        .end('Invalid username or token. Password authentication is not supported for Git operations.\n');
      return true;
    }
    if (!repo) {
      req.resume();
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Repository not found.\n');
      return true;
    }
    serveGitHttp(req, res, {
      projectRoot: repos.root,
      home: join(repos.root, '..', 'home'),
      remoteUser: login,
    });
    return true;
  };

  /** Counts the request against its caller's primary limit and sets the `x-ratelimit-*` headers. */
  const countRequest = (req: IncomingMessage, res: ServerResponse) => {
    const login = credentials.rest(req.headers.authorization);
    const { window, exceeded } = limiter.take(login ?? `anonymous:${req.socket.remoteAddress}`);
    for (const [k, v] of Object.entries(rateLimitHeaders(window))) res.setHeader(k, v);
    return { login, exceeded };
  };

  const serveRest = async (req: IncomingMessage, res: ServerResponse, url: URL, entry: { body: unknown }) => {
    const raw = await readBody(req);
    const { login, exceeded } = countRequest(req, res);
    const installation = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(url.pathname);
    if (installation && req.method === 'POST')
      return issueInstallationToken(req, res, Number(installation[1]), options.app, credentials);
    if (!login) return sendError(res, 401, 'Bad credentials');
    if (exceeded)
      return sendError(res, 403, `API rate limit exceeded for user ID ${login.length}.`, {
        documentation_url: `${docsUrl}/overview/rate-limits-for-the-rest-api#about-the-primary-rate-limit`,
      });
    try {
      entry.body = raw.length > 0 ? JSON.parse(raw.toString('utf8')) : undefined;
    } catch {
      return sendError(res, 400, 'Problems parsing JSON');
    }
    const found = matchRoute(routes, req.method ?? 'GET', url.pathname);
    if (!found) return notFound(res);
    await found.route.handle({ req, res, url, base, body: entry.body, login }, found.params);
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const entry = {
      method: req.method ?? 'GET',
      path: `${url.pathname}${url.search}`,
      authorization: req.headers.authorization,
      body: undefined as unknown,
      status: 0,
      at: Date.now(),
    };
    requests.push(entry);
    res.on('finish', () => {
      entry.status = res.statusCode;
    });
    const fault = faults.take(entry.method, url.pathname, url.search, entry.at);
    if (fault) {
      req.resume();
      if (!parseGitRequest(url)) countRequest(req, res);
      res.writeHead(fault.status, fault.headers).end(fault.body);
      return;
    }
    if (serveGit(req, res, url)) return;
    serveRest(req, res, url, entry).catch((err: unknown) => {
      if (res.headersSent) res.destroy();
      else sendError(res, 500, `fake failed: ${err instanceof Error ? err.message : String(err)}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  const repo = (owner: string, name: string): FakeRepo => {
    const found = repos.get(owner, name);
    if (!found) throw new Error(`no repository ${owner}/${name} in the GitHub fake`);
    return found;
  };
  return {
    url: base,
    apiUrl: base,
    gitUrl: (owner, name) => `${base}/${owner}/${name}.git`,
    pullFiles: state.pullFiles,
    hookDeliveries: hookState.hookDeliveries,
    hooks: hookState.hooks,
    redeliveries: hookState.redeliveries,
    requests,
    settled: async () => {
      while (hookState.pending.size > 0) await Promise.all([...hookState.pending]);
    },
    addToken: (token, login) => credentials.add(token, login),
    createRepo: (owner, name, repoOptions) => repos.add(owner, name, repoOptions),
    git: (owner, name, ...args) => repos.git(repo(owner, name), args),
    readFile: (owner, name, ref, path) => repos.readFile(repo(owner, name), ref, path),
    branches: (owner, name) => repos.branches(repo(owner, name)),
    pushCommit: (owner, name, branch, files, message = 'Update from another user', author) =>
      repos.commit(repo(owner, name), branch, files, { message, ...(author ? { author } : {}) }),
    pulls: (owner, name) => state.pulls.get(repoKey(owner, name)) ?? [],
    statuses: state.statuses,
    faults,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await repos.close();
    },
  };
}
