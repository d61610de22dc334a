import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type FileChange, setImage } from '@signalbox/manifests';
import { PermanentError } from '@signalbox/runtime';
import { runGit } from './run-git.ts';

export interface BranchUpdateInput {
  /** Cache root: clones under `repos/`, git's private HOME under `home/`. */
  readonly workDir: string;
  readonly url: string;
  /** `http.extraHeader` and the like, passed to git through its environment. */
  readonly secretConfig: Readonly<Record<string, string>>;
  readonly targetBranch: string;
  /** Our branch, `signalbox/<policy>-<target-branch>`. */
  readonly branch: string;
  readonly paths: readonly string[];
  readonly image: string;
  readonly tag: string;
  readonly digest?: string | undefined;
  readonly pin: 'tag' | 'digest' | 'tag@digest';
  readonly author: { readonly name: string; readonly email: string };
  readonly message: (changed: readonly FileChange[]) => string;
  /**
   * Author and committer date: taken from the job, so a retried job builds the very same commit
   * (same tree, parent, message and dates give the same sha) and its push is a no-op.
   */
  readonly date: Date;
}

export interface BranchUpdate {
  /** Files the editor changed; empty when the manifests already point at the image. */
  readonly changed: readonly FileChange[];
  readonly problems: readonly { path: string; message: string }[];
  /** The target branch's commit the update was built on. */
  readonly base: string;
  /** Our branch's commit, when there was something to change. */
  readonly commit?: string;
  /** False when the remote branch already held this exact change (a retry after a crash). */
  readonly pushed: boolean;
}

/**
 * Rebuilds our branch from the newest target branch with one commit that changes the image
 * references under `paths`, and pushes it with a lease on what we last saw of it, so a push by
 * anyone in between fails (and is retried from a fresh fetch) instead of being overwritten. A
 * branch that carries someone else's commits is left alone: that is a person's work now.
 * Nothing is committed or pushed when the editor changes nothing.
 */
export async function updateBranch(input: BranchUpdateInput): Promise<BranchUpdate> {
  const home = join(input.workDir, 'home');
  await mkdir(home, { recursive: true });
  const dir = await ensureClone(input, home);
  const git = (args: readonly string[], env?: Record<string, string>) =>
    runGit(args, { cwd: dir, home, secretConfig: input.secretConfig, ...(env ? { env } : {}) });
  const target = `refs/remotes/origin/${input.targetBranch}`;
  const ours = `refs/remotes/origin/${input.branch}`;
  await git(['remote', 'set-url', 'origin', input.url]);
  await git([
    'fetch',
    '--prune',
    '--no-tags',
    'origin',
    `+refs/heads/${input.targetBranch}:${target}`,
    `+refs/heads/signalbox/*:refs/remotes/origin/signalbox/*`,
  ]);
  const base = (await git(['rev-parse', '--verify', `${target}^{commit}`])).trim();
  const remote = (await git(['rev-parse', '--verify', '-q', ours]).catch(() => '')).trim();
  if (remote) await refuseForeignCommits(git, target, ours, input);
  await git(['checkout', '-q', '-f', '-B', input.branch, target]);
  await git(['clean', '-q', '-ffdx']);
  const edit = await setImage({
    dir,
    image: input.image,
    tag: input.tag,
    ...(input.digest ? { digest: input.digest } : {}),
    pin: input.pin,
    paths: input.paths,
  });
  if (edit.changed.length === 0) return { changed: [], problems: edit.problems, base, pushed: false };
  const date = input.date.toISOString();
  await git(['add', '-A', '--', ...edit.changed.map((c) => c.path)]);
  await git(
    [
      '-c',
      `user.name=${input.author.name}`,
      '-c',
      `user.email=${input.author.email}`,
      'commit',
      '-q',
      '--no-verify',
      '-m',
      input.message(edit.changed),
    ],
    {
      GIT_AUTHOR_DATE: date,
      GIT_COMMITTER_DATE: date,
    },
  );
  const commit = (await git(['rev-parse', 'HEAD'])).trim();
  if (remote && (remote === commit || (await sameChange(git, remote, commit)))) {
    return { changed: edit.changed, problems: edit.problems, base, commit: remote, pushed: false };
  }
  await git([
    'push',
    '--porcelain',
    `--force-with-lease=refs/heads/${input.branch}:${remote}`,
    'origin',
    `HEAD:refs/heads/${input.branch}`,
  ]);
  return { changed: edit.changed, problems: edit.problems, base, commit, pushed: true };
}

/** One clone per repository URL, made in a temporary folder and renamed, so a killed clone leaves no half repository. */
async function ensureClone(input: BranchUpdateInput, home: string): Promise<string> {
  const repos = join(input.workDir, 'repos');
  const dir = join(repos, createHash('sha256').update(input.url).digest('hex').slice(0, 16));
  if (existsSync(join(dir, '.git'))) return dir;
  await mkdir(repos, { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  try {
    await runGit(['clone', '-q', '--no-tags', '--no-checkout', '--origin', 'origin', input.url, tmp], {
      cwd: repos,
      home,
      secretConfig: input.secretConfig,
    });
    await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return dir;
}

/** Same parent and same tree: the branch already holds this change (under another date). */
async function sameChange(
  git: (args: readonly string[]) => Promise<string>,
  a: string,
  b: string,
): Promise<boolean> {
  const show = (sha: string) => git(['show', '-s', '--format=%T %P', sha]).then((s) => s.trim());
  return (await show(a)) === (await show(b));
}

async function refuseForeignCommits(
  git: (args: readonly string[]) => Promise<string>,
  target: string,
  ours: string,
  input: BranchUpdateInput,
): Promise<void> {
  const emails = (await git(['log', '--format=%ae', `${target}..${ours}`])).split('\n').filter(Boolean);
  const foreign = emails.find((e) => e !== input.author.email);
  if (foreign) {
    throw new PermanentError(
      'BRANCH_EDITED',
      `branch ${input.branch} has a commit by ${foreign}: Signalbox does not overwrite other people's work; merge or close its pull request and delete the branch, and the next image rebuilds it`,
    );
  }
}
