import { formatIssue, loadConfig } from '@signalbox/triggers';
import type { Command } from 'commander';

/** `signalbox validate [--config DIR]`: every error as `file:doc:field: message`, exit 1; else a summary. */
export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('validate a config directory; exit 1 with every error as file:doc:field')
    .option('--config <dir>', 'config directory (default $SIGNALBOX_CONFIG or ./config)')
    .action((opts: { config?: string }) => {
      const dir = opts.config ?? process.env.SIGNALBOX_CONFIG ?? './config';
      const result = loadConfig(dir);
      if (!result.ok) {
        for (const issue of result.issues) process.stderr.write(`${formatIssue(issue)}\n`);
        process.stderr.write(`${result.issues.length} error(s) in ${dir}\n`);
        process.exitCode = 1;
        return;
      }
      const { config } = result;
      const triggers = [...config.listeners.values()].reduce(
        (n, l) => n + l.triggers.length + l.groups.reduce((m, g) => m + g.triggers.length, 0),
        0,
      );
      process.stdout.write(
        `${dir}: valid — ${config.documentCount} documents, ${config.listeners.size} listeners ` +
          `(${[...config.listeners.keys()].join(', ')}), ${triggers} triggers, ` +
          `${config.imageUpdatePolicies.length} image update policies, ${config.slackRoutes.length} Slack routes\n`,
      );
    });
}
