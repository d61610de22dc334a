import { createHmac } from 'node:crypto';
import type { GitHubFiles } from '../types.ts';
import { githubSignatureMatches } from './github-signature-matches.ts';
import type { Interceptor, InterceptorDeps, InterceptorRequest, InterceptorResult } from './interceptor.ts';
import { readSecret } from './read-secret.ts';
import { UpstreamUnavailableError } from './upstream-unavailable-error.ts';

export interface GitHubInterceptorOptions {
  readonly label: string;
  readonly secretRef?: { secretName: string; secretKey: string };
  readonly eventTypes?: readonly string[];
  readonly addChangedFiles?: {
    enabled: boolean;
    personalAccessToken?: { secretName: string; secretKey: string };
  };
}

/**
 * One request's signature checks, by secret: several triggers usually verify the same body with the
 * same secret, and each check is an HMAC plus a constant-time compare. Keyed weakly by the body
 * buffer, so entries die with the request.
 */
const checks = new WeakMap<Buffer, Map<string, boolean>>();

function signatureValid(request: InterceptorRequest, secret: string, given: string): boolean {
  let bySecret = checks.get(request.rawBody);
  if (!bySecret) checks.set(request.rawBody, (bySecret = new Map()));
  let valid = bySecret.get(secret);
  if (valid === undefined) {
    const expected =
      request.hmacs?.get(secret) ??
      `sha256=${createHmac('sha256', secret).update(request.rawBody).digest('hex')}`;
    bySecret.set(secret, (valid = githubSignatureMatches(given, expected)));
  }
  return valid;
}

/**
 * One request's pull request file lists: a monorepo listener has one trigger per service, each
 * with addChangedFiles, and they must not each page through the GitHub API. Keyed weakly by the
 * body buffer (entries die with the request), then by the call's arguments (token included).
 */
const fileLists = new WeakMap<Buffer, Map<string, Promise<string[]>>>();

function pullRequestFiles(
  rawBody: Buffer,
  github: GitHubFiles,
  args: Parameters<GitHubFiles['listPullRequestFiles']>[0],
): Promise<string[]> {
  let byArgs = fileLists.get(rawBody);
  if (!byArgs) fileLists.set(rawBody, (byArgs = new Map()));
  const key = JSON.stringify([
    args.owner,
    args.repo,
    args.number,
    args.token ?? null,
    args.enterpriseHost ?? null,
  ]);
  let list = byArgs.get(key);
  if (!list) byArgs.set(key, (list = github.listPullRequestFiles(args)));
  return list;
}

const first = (header: Readonly<Record<string, string[]>>, name: string) => header[name]?.[0];

function changedFilesFromPush(body: Record<string, unknown>): string[] {
  const commits = Array.isArray(body.commits) ? body.commits : [];
  const files: string[] = [];
  for (const c of commits as Array<Record<string, unknown>>) {
    for (const key of ['added', 'modified', 'removed']) {
      const list = c?.[key];
      if (Array.isArray(list)) files.push(...list.filter((f): f is string => typeof f === 'string'));
    }
  }
  return files;
}

/** `changed_files` of a pull request, from the GitHub API (the one outside call of the interceptor). */
async function pullRequestChangedFiles(
  request: InterceptorRequest,
  deps: InterceptorDeps,
  addChangedFiles: NonNullable<GitHubInterceptorOptions['addChangedFiles']>,
  authenticated: boolean,
): Promise<InterceptorResult> {
  const pr = request.body.pull_request as { number?: unknown } | undefined;
  const repo = request.body.repository as { name?: unknown; owner?: { login?: unknown } } | undefined;
  const number = typeof request.body.number === 'number' ? request.body.number : pr?.number;
  if (!deps.github || typeof number !== 'number' || typeof repo?.name !== 'string') {
    return {
      continue: false,
      reason: 'addChangedFiles: cannot list pull request files (no GitHub client or no PR number)',
      authenticated,
    };
  }
  const tokenRef = addChangedFiles.personalAccessToken;
  const enterpriseHost = first(request.header, 'X-Github-Enterprise-Host');
  const args = {
    owner: String(repo.owner?.login ?? ''),
    repo: repo.name,
    number,
    token: tokenRef ? deps.secrets.read(tokenRef.secretName, tokenRef.secretKey) : undefined,
    ...(enterpriseHost ? { enterpriseHost } : {}),
    ...(request.deadline !== undefined ? { deadline: request.deadline } : {}),
  };
  let files: string[];
  try {
    files = await pullRequestFiles(request.rawBody, deps.github, args);
  } catch (err) {
    // Transient: no verdict can be given now; the listener answers 503 (see runChain).
    if (err instanceof UpstreamUnavailableError) throw err;
    return { continue: false, reason: `addChangedFiles: ${(err as Error).message}`, authenticated };
  }
  return { continue: true, authenticated, extensions: { changed_files: files.join(',') } };
}

/**
 * Tekton's `github` interceptor: `X-Hub-Signature-256` (HMAC-SHA256 of the raw body, constant-time),
 * then the event-type filter, then `changed_files` for push (from the payload) and pull_request (from
 * the GitHub API). Only SHA-256 signatures are accepted, as in Tekton ≥ 0.34; hex in either case.
 */
export function githubInterceptor(options: GitHubInterceptorOptions): Interceptor {
  return {
    label: options.label,
    authenticates: options.secretRef !== undefined,
    sender: 'github',
    ...(options.secretRef ? { credential: { scheme: 'github-hmac', secretRef: options.secretRef } } : {}),
    // Synchronous unless the pull request's files must be listed: a chain of synchronous
    // interceptors then costs no promise per trigger.
    run(request, deps) {
      const event = first(request.header, 'X-Github-Event') ?? '';
      let authenticated = false;
      if (options.secretRef && request.trusted) authenticated = true;
      else if (options.secretRef) {
        const found = readSecret(deps.secrets, options.secretRef);
        if ('reason' in found) return { continue: false, reason: found.reason };
        const { secret } = found;
        const signature = first(request.header, 'X-Hub-Signature-256');
        if (!signature) return { continue: false, reason: 'no X-Hub-Signature-256 header' };
        if (!signatureValid(request, secret, signature)) {
          return { continue: false, reason: 'X-Hub-Signature-256 does not match' };
        }
        authenticated = true;
      }
      // After the signature (Tekton checks the type first): a signed event of another type, such as
      // the ping GitHub sends when a hook is created, is then an authenticated "not for this trigger",
      // which the listener acknowledges instead of answering 401.
      if (options.eventTypes && !options.eventTypes.includes(event)) {
        return {
          continue: false,
          reason: `event type ${JSON.stringify(event)} is not one of ${options.eventTypes.join(', ')}`,
          authenticated,
        };
      }
      if (options.addChangedFiles?.enabled && event === 'push') {
        const files = changedFilesFromPush(request.body);
        return { continue: true, authenticated, extensions: { changed_files: files.join(',') } };
      }
      if (options.addChangedFiles?.enabled && event === 'pull_request')
        return pullRequestChangedFiles(request, deps, options.addChangedFiles, authenticated);
      return { continue: true, authenticated };
    },
  };
}
