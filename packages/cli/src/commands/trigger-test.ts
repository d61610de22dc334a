import { readFileSync } from 'node:fs';
import {
  createTriggerEngine,
  fileSecretStore,
  formatIssue,
  loadConfig,
  parseBody,
} from '@signalbox/triggers';
import type { Command } from 'commander';

/**
 * `signalbox trigger test`: runs one request through a listener's triggers and prints every
 * verdict and the rendered resources as JSON. Nothing is enqueued. Exit 0 when it ran (whatever
 * fired), 1 when the config, the body or the listener is wrong.
 */
export function registerTriggerTest(program: Command): void {
  program
    .command('trigger')
    .description('trigger tools')
    .command('test')
    .description("show every trigger's verdict and rendered resources for a request; nothing is enqueued")
    .requiredOption('--listener <name>', 'EventListener name')
    .requiredOption('--body <file>', 'request body (- for stdin)')
    .option('--header <file>', 'JSON object: header name → string or list of strings')
    .option('--content-type <type>', 'content type of the body', 'application/json')
    .option('--config <dir>', 'config directory (default $SIGNALBOX_CONFIG or ./config)')
    .option('--secrets-dir <dir>', 'secrets folder (default $SIGNALBOX_SECRETS_DIR or ./secrets)')
    .action(
      async (opts: {
        listener: string;
        body: string;
        header?: string;
        contentType: string;
        config?: string;
        secretsDir?: string;
      }) => {
        const fail = (message: string) => {
          process.stderr.write(`${message}\n`);
          process.exitCode = 1;
        };
        const loaded = loadConfig(opts.config ?? process.env.SIGNALBOX_CONFIG ?? './config');
        if (!loaded.ok) return fail(loaded.issues.map(formatIssue).join('\n'));
        const raw = readFileSync(opts.body === '-' ? 0 : opts.body);
        let headers: Record<string, string | string[]> = {};
        if (opts.header) {
          try {
            headers = JSON.parse(readFileSync(opts.header, 'utf8')) as Record<string, string | string[]>;
          } catch (err) {
            return fail(`--header ${opts.header}: ${(err as Error).message}`);
          }
        }
        const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
        const parsed = parseBody((lower['content-type'] as string | undefined) ?? opts.contentType, raw);
        if (!parsed.ok) return fail(parsed.message);
        const engine = createTriggerEngine(loaded.config, {
          secrets: fileSecretStore(opts.secretsDir ?? process.env.SIGNALBOX_SECRETS_DIR ?? './secrets'),
        });
        const evaluation = await engine.evaluate(
          opts.listener,
          { method: 'POST', url: `/hooks/${opts.listener}`, headers: lower, rawBody: raw },
          { eventID: 'trigger-test', body: parsed.body },
        );
        if (!evaluation) return fail(`no EventListener named ${opts.listener}`);
        process.stdout.write(`${JSON.stringify(evaluation, null, 2)}\n`);
      },
    );
}
