import { formatIssue, loadConfig } from '@signalbox/triggers';
import type { Command } from 'commander';
import { configDir } from '../config-dir.ts';

/**
 * `signalbox validate [--config DIR]`: loads the config exactly as the services do. Invalid: every
 * error on stderr as `file:doc:field: message (line N)` and exit 1. Valid: a one-line summary on
 * stdout and exit 0.
 */
export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('validate a config directory; exit 1 with every error as file:doc:field')
    .option('--config <dir>', 'config directory (default $SIGNALBOX_CONFIG or ./config)')
    .action((opts: { config?: string }) => {
      let dir: string;
      try {
        dir = configDir(opts.config);
      } catch (err) {
        process.stderr.write(`signalbox validate: ${(err as Error).message}\n`);
        process.exitCode = 1;
        return;
      }
      const result = loadConfig(dir);
      if (!result.ok) {
        for (const issue of result.issues) process.stderr.write(`${formatIssue(issue)}\n`);
        process.stderr.write(`${dir}: ${result.issues.length} error(s)\n`);
        process.exitCode = 1;
        return;
      }
      const { config } = result;
      const listeners = [...config.listeners.values()];
      const triggers = listeners.reduce(
        (n, l) => n + l.triggers.length + l.groups.reduce((m, g) => m + g.triggers.length, 0),
        0,
      );
      const names = listeners.map((l) => `${l.name}${l.allowUnauthenticated ? ' (unauthenticated!)' : ''}`);
      process.stdout.write(
        `${dir}: valid — ${config.documentCount} documents, ${listeners.length} listeners (${names.join(', ')}), ` +
          `${triggers} triggers, ${config.imageUpdatePolicies.length} image update policies, ` +
          `${config.slackRoutes.length} Slack routes\n`,
      );
    });
}
