import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultIdentity, type GitIdentity, runGit } from './run-git.ts';

/** How `createRepo` sets a repository up. */
export interface CreateRepoOptions {
  /** Files of the initial commit, path → content (default a README). */
  readonly files?: Readonly<Record<string, string>>;
  /** The default branch, holding the initial commit (default `main`). */
  readonly branch?: string;
  /**
   * Private repositories need a token to clone or fetch, as on GitHub (default `true`, so a client
   * that forgets its credentials fails here as it would in production).
   */
  readonly private?: boolean;
  /** Users that may be asked for a review (default: anyone). */
  readonly collaborators?: readonly string[];
  /** Teams (slugs) that may be asked for a review (default: any). */
  readonly teams?: readonly string[];
  readonly message?: string;
  readonly author?: GitIdentity;
}

/** A repository the fake hosts. */
export interface FakeRepo {
  readonly owner: string;
  readonly name: string;
  readonly id: number;
  /** The bare repository on disk. */
  readonly dir: string;
  readonly defaultBranch: string;
  readonly private: boolean;
  readonly collaborators: ReadonlySet<string> | undefined;
  readonly teams: ReadonlySet<string> | undefined;
}

/**
 * Bare git repositories in one temp directory, laid out `<root>/<owner>/<repo>.git` so that
 * `git http-backend` can serve them with the root as GIT_PROJECT_ROOT. Commits are written with git
 * plumbing (no worktree), always with an explicit identity.
 */
export class BareRepos {
  readonly root: string;
  readonly #home: string;
  readonly #repos = new Map<string, FakeRepo>();

  private constructor(root: string, home: string) {
    this.root = root;
    this.#home = home;
  }

  static async create(): Promise<BareRepos> {
    const base = await mkdtemp(join(tmpdir(), 'signalbox-github-fake-'));
    const root = join(base, 'repos');
    const home = join(base, 'home');
    await mkdir(root);
    await mkdir(home);
    return new BareRepos(root, home);
  }

  get(owner: string, name: string): FakeRepo | undefined {
    return this.#repos.get(`${owner}/${name}`.toLowerCase());
  }

  async add(owner: string, name: string, options: CreateRepoOptions = {}): Promise<FakeRepo> {
    if (this.get(owner, name)) throw new Error(`repository ${owner}/${name} already exists`);
    const branch = options.branch ?? 'main';
    const dir = join(this.root, owner, `${name}.git`);
    await mkdir(dir, { recursive: true });
    await runGit(['init', '--quiet', '--bare', `--initial-branch=${branch}`], { cwd: dir, home: this.#home });
    const repo: FakeRepo = {
      owner,
      name,
      id: this.#repos.size + 1,
      dir,
      defaultBranch: branch,
      private: options.private ?? true,
      collaborators: options.collaborators && new Set(options.collaborators),
      teams: options.teams && new Set(options.teams),
    };
    this.#repos.set(`${owner}/${name}`.toLowerCase(), repo);
    await this.commit(repo, branch, options.files ?? { 'README.md': `# ${name}\n` }, {
      message: options.message ?? 'Initial commit',
      author: options.author ?? defaultIdentity,
    });
    return repo;
  }

  /** Runs git in the bare repository; resolves with stdout. */
  git(repo: FakeRepo, args: readonly string[], input?: string): Promise<string> {
    return runGit(args, { cwd: repo.dir, home: this.#home, ...(input === undefined ? {} : { input }) });
  }

  /** The commit a ref (branch, tag, sha) points at, or undefined when there is none. */
  async resolve(repo: FakeRepo, ref: string): Promise<string | undefined> {
    const candidates = /^[0-9a-f]{7,40}$/i.test(ref) ? [ref] : [`refs/heads/${ref}`, `refs/tags/${ref}`, ref];
    for (const candidate of candidates) {
      try {
        return (await this.git(repo, ['rev-parse', '--verify', '--quiet', `${candidate}^{commit}`])).trim();
      } catch {
        // Not this one; try the next form.
      }
    }
    return undefined;
  }

  async branches(repo: FakeRepo): Promise<Record<string, string>> {
    const out = await this.git(repo, [
      'for-each-ref',
      '--format=%(refname:lstrip=2) %(objectname)',
      'refs/heads',
    ]);
    const result: Record<string, string> = {};
    for (const line of out.split('\n')) {
      const [name, sha] = line.split(' ');
      if (name && sha) result[name] = sha;
    }
    return result;
  }

  /** The file's content at `ref`, or undefined when the ref or the path does not exist. */
  async readFile(repo: FakeRepo, ref: string, path: string): Promise<string | undefined> {
    const sha = await this.resolve(repo, ref);
    if (!sha) return undefined;
    try {
      return await this.git(repo, ['cat-file', 'blob', `${sha}:${path}`]);
    } catch {
      return undefined;
    }
  }

  /**
   * Commits `files` (path → content, `null` deletes) on top of `branch` — a missing branch starts
   * from the default branch, or as a root commit in an empty repository — and moves the branch,
   * refusing if someone moved it meanwhile. Resolves with the new commit's sha.
   */
  async commit(
    repo: FakeRepo,
    branch: string,
    files: Readonly<Record<string, string | null>>,
    options: { message: string; author?: GitIdentity },
  ): Promise<string> {
    const tip = await this.resolve(repo, `refs/heads/${branch}`);
    const parent = tip ?? (await this.resolve(repo, `refs/heads/${repo.defaultBranch}`));
    const index = join(this.#home, `index-${process.hrtime.bigint()}`);
    const env = { GIT_INDEX_FILE: index };
    const run = (args: string[], input?: string) =>
      runGit(args, { cwd: repo.dir, home: this.#home, env, ...(input === undefined ? {} : { input }) });
    try {
      if (parent) await run(['read-tree', parent]);
      // --index-info works without a worktree: mode 0 removes a path, anything else stages a blob.
      const entries: string[] = [];
      for (const [path, content] of Object.entries(files)) {
        const blob =
          content === null ? '0'.repeat(40) : (await run(['hash-object', '-w', '--stdin'], content)).trim();
        entries.push(`${content === null ? '0' : '100644'} ${blob}\t${path}\0`);
      }
      await run(['update-index', '-z', '--index-info'], entries.join(''));
      const tree = (await run(['write-tree'])).trim();
      const who = options.author ?? defaultIdentity;
      const identity = ['-c', `user.name=${who.name}`, '-c', `user.email=${who.email}`];
      const commit = (
        await run(
          [...identity, 'commit-tree', tree, ...(parent ? ['-p', parent] : []), '-F', '-'],
          options.message,
        )
      ).trim();
      await run(['update-ref', `refs/heads/${branch}`, commit, tip ?? '']);
      return commit;
    } finally {
      await rm(index, { force: true });
    }
  }

  async close(): Promise<void> {
    await rm(join(this.root, '..'), { recursive: true, force: true });
  }
}
