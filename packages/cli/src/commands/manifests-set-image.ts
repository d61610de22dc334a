import { type ImagePin, SetImageError, setImage } from '@signalbox/manifests';
import { type Command, Option } from 'commander';

/**
 * `signalbox manifests set-image`: points every reference to REPOSITORY under DIR at the new tag
 * (and digest), changing only those bytes. Prints the changed files relative to DIR, one a line
 * (nothing if none), exit 0. Files that could not be edited go to stderr as `path: message` and do
 * not change the exit code: the other files were still handled. A bad argument or a missing DIR
 * is a message on stderr and exit 1.
 */
export function registerManifestsSetImage(program: Command): void {
  program
    .command('manifests')
    .description('GitOps manifest helpers')
    .command('set-image')
    .description('edit every reference to REPOSITORY under DIR in place, changing only those bytes')
    .requiredOption('--dir <dir>', 'manifest directory')
    .requiredOption('--image <repository>', 'image repository, e.g. harbor.example.com/team-a/api')
    .requiredOption('--tag <tag>', 'new tag')
    .option('--digest <digest>', 'sha256:… digest to pin')
    .addOption(
      new Option('--pin <form>', 'how references are written: repo:tag, repo@digest or repo:tag@digest')
        .choices(['tag', 'digest', 'tag@digest'])
        .default('tag'),
    )
    .action(async (opts: { dir: string; image: string; tag: string; digest?: string; pin: ImagePin }) => {
      try {
        const result = await setImage(opts);
        for (const change of result.changed) process.stdout.write(`${change.path}\n`);
        for (const problem of result.problems) process.stderr.write(`${problem.path}: ${problem.message}\n`);
      } catch (err) {
        const prefix = err instanceof SetImageError ? '' : 'unexpected error: ';
        process.stderr.write(`signalbox manifests set-image: ${prefix}${(err as Error).message}\n`);
        process.exitCode = 1;
      }
    });
}
