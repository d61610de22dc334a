import type { Command } from 'commander';
import { notBuilt } from '../not-built.ts';

/** `signalbox validate [--config DIR]`. */
export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('validate a config directory; exit 1 with every error as file:doc:field')
    .option('--config <dir>', 'config directory (default $SIGNALBOX_CONFIG or ./config)')
    .action(() => notBuilt('validate', 'the trigger engine config loader'));
}
