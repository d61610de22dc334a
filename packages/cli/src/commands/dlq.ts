import type { Command } from 'commander';
import { notBuilt } from '../not-built.ts';

/** `signalbox dlq list|retry JOB_ID`: dead-lettered jobs. */
export function registerDlq(program: Command): void {
  const dlq = program.command('dlq').description('dead-lettered jobs (permanent failures)');
  dlq
    .command('list')
    .description('list dead-lettered jobs')
    .action(() => notBuilt('dlq list', 'the run-scheduler dead-letter view'));
  dlq
    .command('retry')
    .description('retry a dead-lettered job')
    .argument('<jobId>')
    .action(() => notBuilt('dlq retry', 'the run-scheduler dead-letter view'));
}
