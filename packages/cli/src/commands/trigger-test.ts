import type { Command } from 'commander';
import { notBuilt } from '../not-built.ts';

/** `signalbox trigger test`. */
export function registerTriggerTest(program: Command): void {
  program
    .command('trigger')
    .description('trigger tools')
    .command('test')
    .requiredOption('--listener <name>')
    .requiredOption('--body <file>')
    .option('--header <file>')
    .option('--config <dir>')
    .action(() => notBuilt('trigger test', 'the trigger engine'));
}
