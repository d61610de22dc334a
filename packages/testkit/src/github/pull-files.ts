import type { FakeRepo } from './bare-repos.ts';
import type { GitHubState } from './github-state.ts';
import { sendPage } from './paginate.ts';
import { findPull } from './pull-routes.ts';
import { notFound } from './respond.ts';
import type { RestRoute } from './rest-route.ts';

const statusNames: Record<string, string> = {
  A: 'added',
  M: 'modified',
  D: 'removed',
  R: 'renamed',
  C: 'copied',
  T: 'changed',
};

/** One changed file as GitHub's "list pull request files" returns it. */
export interface PullFile {
  sha: string;
  filename: string;
  status: string;
  additions: number;
  deletions: number;
  changes: number;
  blob_url: string;
  raw_url: string;
  contents_url: string;
  patch?: string;
  previous_filename?: string;
}

/** The hunks of one file's diff, without the `diff --git` / index / ---/+++ header (GitHub's `patch`). */
function hunks(diff: string): string | undefined {
  const at = diff.indexOf('\n@@');
  if (diff.startsWith('@@')) return diff.trimEnd();
  return at < 0 ? undefined : diff.slice(at + 1).trimEnd();
}

/**
 * The files changed between the merge base of `base` and `head` (GitHub's three-dot diff), with
 * line counts and patches from git itself. Renames are detected as GitHub does.
 */
export async function diffFiles(
  state: GitHubState,
  base: string,
  repo: FakeRepo,
  from: string,
  to: string,
): Promise<PullFile[]> {
  const git = (args: string[]) => state.repos.git(repo, args);
  const range = `${from}...${to}`;
  const nameStatus = (await git(['diff', '-M', '--name-status', '-z', range])).split('\0');
  const numstat = (await git(['diff', '-M', '--numstat', '-z', range])).split('\0');
  const files: PullFile[] = [];
  for (let i = 0, n = 0; i < nameStatus.length - 1; ) {
    const code = nameStatus[i++]?.[0] ?? 'M';
    const renamed = code === 'R' || code === 'C';
    const previous = renamed ? nameStatus[i++] : undefined;
    const filename = nameStatus[i++] ?? '';
    // numstat -z: "<add>\t<del>\t<path>\0", or for a rename "<add>\t<del>\t\0<old>\0<new>\0".
    const [added = '0', deleted = '0'] = (numstat[n++] ?? '').split('\t');
    if (renamed) n += 2;
    const additions = added === '-' ? 0 : Number(added);
    const deletions = deleted === '-' ? 0 : Number(deleted);
    const paths = previous ? [previous, filename] : [filename];
    const patch = hunks(await git(['diff', '-M', '--no-color', '--no-ext-diff', range, '--', ...paths]));
    const side = code === 'D' ? from : to;
    const sha = (await git(['rev-parse', `${side}:${filename}`]).catch(() => '')).trim();
    const web = `${base}/${repo.owner}/${repo.name}`;
    files.push({
      sha,
      filename,
      status: statusNames[code] ?? 'modified',
      additions,
      deletions,
      changes: additions + deletions,
      blob_url: `${web}/blob/${to}/${filename}`,
      raw_url: `${web}/raw/${to}/${filename}`,
      contents_url: `${base}/repos/${repo.owner}/${repo.name}/contents/${filename}?ref=${to}`,
      ...(patch === undefined ? {} : { patch }),
      ...(previous === undefined ? {} : { previous_filename: previous }),
    });
  }
  return files;
}

/**
 * `GET /repos/{o}/{r}/pulls/{n}/files`: an entry in `pullFiles` (`owner/repo#n` → names) answers
 * as it is, for tests that need no repository; otherwise the real diff of the pull request's
 * branches in the bare repository.
 */
export function pullFilesRoute(state: GitHubState): RestRoute {
  return {
    method: 'GET',
    pattern: /^\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)\/files$/,
    handle: async (ctx, params) => {
      const [owner, name, number] = params;
      const listed = state.pullFiles.get(`${owner}/${name}#${number}`);
      if (listed)
        return sendPage(
          ctx.res,
          ctx.url,
          ctx.base,
          listed.map((filename, i) => ({ sha: String(i), filename, status: 'modified' })),
        );
      const found = findPull(state, ctx.res, params);
      if (!found) return;
      const { repo, pr } = found;
      const head = (await state.repos.resolve(repo, `refs/heads/${pr.head}`)) ?? pr.headSha;
      const base = await state.repos.resolve(repo, `refs/heads/${pr.base}`);
      if (!base || !head) return notFound(ctx.res);
      sendPage(ctx.res, ctx.url, ctx.base, await diffFiles(state, ctx.base, repo, base, head));
    },
  };
}
