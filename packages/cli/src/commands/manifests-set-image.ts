import type { Command } from 'commander';
import { notBuilt } from '../not-built.ts';

/** `signalbox manifests set-image`: the manifest-updater's YAML editor (a later issue). */
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
    .action(() => notBuilt('manifests set-image', 'the manifest-updater is planned after the run-scheduler'));
}
