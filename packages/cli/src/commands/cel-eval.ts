import type { Command } from 'commander';
import { notBuilt } from '../not-built.ts';

/** `signalbox cel eval`. */
export function registerCelEval(program: Command): void {
  program
    .command('cel')
    .description('CEL tools')
    .command('eval')
    .requiredOption('--expr <expr>')
    .action(() => notBuilt('cel eval', 'the CEL adapter'));
}
