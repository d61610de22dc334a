import type { Command } from 'commander';
import { notBuilt } from '../not-built.ts';

/** `signalbox deliveries list|show|replay|recover`: the delivery ledger. */
export function registerDeliveries(program: Command): void {
  const deliveries = program.command('deliveries').description('the delivery ledger');
  deliveries.command('list').action(() => notBuilt('deliveries list', 'the event-listener ledger'));
  deliveries
    .command('show')
    .argument('<eventId>')
    .action(() => notBuilt('deliveries show', 'the event-listener ledger'));
  deliveries
    .command('replay')
    .argument('<eventId>')
    .option('--dry-run')
    .action(() => notBuilt('deliveries replay', 'the event-listener ledger'));
}
