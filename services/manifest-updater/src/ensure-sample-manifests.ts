import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { defaultCommitAuthor } from '@signalbox/triggers';
import { runGit } from './run-git.ts';
import { sampleManifests } from './sample-manifests.ts';

/**
 * Local mode's manifests repository: created on first start when `dir` does not exist — a git
 * repository on branch `main` with a sample app referencing harbor.example.com/team-a/api — so the
 * examples work with no account anywhere. An existing folder is never touched.
 * Returns whether it was created.
 */
export async function ensureSampleManifests(dir: string, home: string): Promise<boolean> {
  if (existsSync(dir)) return false;
  await mkdir(home, { recursive: true });
  for (const [path, text] of Object.entries(sampleManifests)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  const git = (args: string[]) => runGit(args, { cwd: dir, home });
  await git(['init', '-q', '-b', 'main']);
  await git(['add', '-A']);
  await git([
    '-c',
    `user.name=${defaultCommitAuthor.name}`,
    '-c',
    `user.email=${defaultCommitAuthor.email}`,
    'commit',
    '-q',
    '-m',
    'Sample app for Signalbox local mode',
  ]);
  return true;
}
