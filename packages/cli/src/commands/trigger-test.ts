import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { httpErrors } from '@signalbox/event-listener';
import {
  BodyError,
  createTriggerEngine,
  fileSecretStore,
  formatIssue,
  loadConfig,
  octokitGitHubFiles,
} from '@signalbox/triggers';
import type { Command } from 'commander';
import { configDir } from '../config-dir.ts';

/**
 * Reads `--header FILE`: a JSON object of header name → string or list of strings. A request
 * capture shaped `{method?, path?, headers: {...}}` (as in the Harbor fixtures) is accepted too.
 */
function readHeaders(file: string): Record<string, string | string[]> {
  const value = JSON.parse(readFileSync(file === '-' ? 0 : file, 'utf8')) as unknown;
  const record = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!record(value)) throw new Error('must be a JSON object of header name → string or list of strings');
  const capture =
    record(value.headers) &&
    Object.keys(value).every((k) => ['method', 'path', 'url', 'headers'].includes(k));
  const headers = capture ? (value.headers as Record<string, unknown>) : value;
  const out: Record<string, string | string[]> = {};
  for (const [name, v] of Object.entries(headers)) {
    if (typeof v === 'string') out[name.toLowerCase()] = v;
    else if (Array.isArray(v) && v.every((x) => typeof x === 'string'))
      out[name.toLowerCase()] = v as string[];
    else throw new Error(`header ${name}: must be a string or a list of strings`);
  }
  return out;
}

/**
 * `signalbox trigger test`: runs one request through a listener's triggers exactly as the
 * event-listener would (same config, same secrets) and prints the evaluation — every trigger's
 * verdict and rendered resources — as JSON on stdout. Nothing is enqueued. Exit 0 when it ran,
 * whatever fired; 1 when the config, the files or the listener are wrong.
 */
export function registerTriggerTest(program: Command): void {
  program
    .command('trigger')
    .description('trigger tools')
    .command('test')
    .description("show every trigger's verdict and rendered resources for a request; nothing is enqueued")
    .requiredOption('--listener <name>', 'EventListener name')
    .requiredOption('--body <file>', 'request body, byte for byte as sent (- for stdin)')
    .option('--header <file>', 'JSON object: header name → string or list of strings')
    .option('--config <dir>', 'config directory (default $SIGNALBOX_CONFIG or ./config)')
    .option('--content-type <type>', 'content type when --header names none', 'application/json')
    .option('--secrets-dir <dir>', 'secrets folder (default $SIGNALBOX_SECRETS_DIR or ./secrets)')
    .option(
      '--trusted',
      'treat the request as authenticated (skip signature and auth-header checks; every other rule applies)',
    )
    .action(
      async (opts: {
        listener: string;
        body: string;
        header?: string;
        config?: string;
        contentType: string;
        secretsDir?: string;
        trusted?: boolean;
      }) => {
        const fail = (message: string) => {
          process.stderr.write(`${message}\n`);
          process.exitCode = 1;
        };
        let dir: string;
        try {
          dir = configDir(opts.config);
        } catch (err) {
          return fail(`signalbox trigger test: ${(err as Error).message}`);
        }
        const loaded = loadConfig(dir);
        if (!loaded.ok) return fail(loaded.issues.map(formatIssue).join('\n'));
        let raw: Buffer;
        let headers: Record<string, string | string[]> = {};
        try {
          raw = readFileSync(opts.body === '-' ? 0 : opts.body);
        } catch (err) {
          return fail(`--body ${opts.body}: ${(err as Error).message}`);
        }
        if (opts.header) {
          try {
            headers = readHeaders(opts.header);
          } catch (err) {
            return fail(`--header ${opts.header}: ${(err as Error).message}`);
          }
        }
        headers['content-type'] ??= opts.contentType;
        // As the listener: addChangedFiles on a pull_request asks the GitHub API (GITHUB_API_URL
        // for GitHub Enterprise or a fake).
        const apiUrl = process.env.GITHUB_API_URL;
        const engine = createTriggerEngine(loaded.config, {
          secrets: fileSecretStore(opts.secretsDir ?? process.env.SIGNALBOX_SECRETS_DIR ?? './secrets'),
          github: octokitGitHubFiles(apiUrl ? { baseUrl: apiUrl } : {}),
        });
        try {
          const evaluation = await engine.evaluate(
            opts.listener,
            { method: 'POST', url: `/hooks/${opts.listener}`, headers, rawBody: raw },
            { eventID: randomUUID(), ...(opts.trusted ? { trusted: true } : {}) },
          );
          if (!evaluation) {
            return fail(
              `no EventListener named ${opts.listener} in ${dir} (there are: ${[...loaded.config.listeners.keys()].join(', ')})`,
            );
          }
          process.stdout.write(`${JSON.stringify(evaluation, null, 2)}\n`);
        } catch (err) {
          if (err instanceof BodyError)
            return fail(`--body ${opts.body}: ${err.message} (HTTP ${httpErrors[err.code].status})`);
          throw err;
        }
      },
    );
}
