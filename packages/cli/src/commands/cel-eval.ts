import { readFileSync } from 'node:fs';
import { celToJson, compileCel, fileSecretStore, toHeaderMap } from '@signalbox/triggers';
import type { Command } from 'commander';

function readJson(file: string, what: string): unknown {
  const text = readFileSync(file === '-' ? 0 : file, 'utf8');
  // Tekton evaluates an empty request body as {}.
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${what} ${file === '-' ? '(stdin)' : file} is not JSON: ${(err as Error).message}`);
  }
}

function objectOf(value: unknown, what: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new Error(`${what} must be a JSON object`);
  return value as Record<string, unknown>;
}

/**
 * `signalbox cel eval`: evaluates one expression in Tekton's CEL environment and prints the value
 * as JSON (exit 0), or the parse/check/evaluation error on stderr (exit 1).
 */
export function registerCelEval(program: Command): void {
  program
    .command('cel')
    .description('CEL tools')
    .command('eval')
    .description("evaluate a CEL expression in Tekton's environment; prints the value as JSON")
    .requiredOption('--expr <expr>', 'the expression')
    .option('--body <file>', 'request body JSON (- for stdin)')
    .option('--header <file>', 'JSON object: header name → string or list of strings (- for stdin)')
    .option('--request-url <url>', 'requestURL (path and query)', '/')
    .option('--extensions <file>', 'extensions JSON object (- for stdin)')
    .option('--secrets-dir <dir>', 'secrets folder for compareSecret (<name>/<key> files)')
    .action(
      (opts: {
        expr: string;
        body?: string;
        header?: string;
        requestUrl: string;
        extensions?: string;
        secretsDir?: string;
      }) => {
        try {
          const program = compileCel(opts.expr);
          const header = opts.header ? objectOf(readJson(opts.header, '--header'), '--header') : {};
          for (const [name, value] of Object.entries(header)) {
            const ok =
              typeof value === 'string' ||
              (Array.isArray(value) && value.every((v) => typeof v === 'string'));
            if (!ok) throw new Error(`--header: ${name} must be a string or a list of strings`);
          }
          const value = program.evaluate(
            {
              body: opts.body ? objectOf(readJson(opts.body, '--body'), '--body') : {},
              header: toHeaderMap(header as Record<string, string | string[]>),
              extensions: opts.extensions
                ? objectOf(readJson(opts.extensions, '--extensions'), '--extensions')
                : {},
              requestURL: opts.requestUrl,
            },
            opts.secretsDir ? { secrets: fileSecretStore(opts.secretsDir) } : {},
          );
          process.stdout.write(`${JSON.stringify(celToJson(value))}\n`);
        } catch (err) {
          process.stderr.write(`${(err as Error).message}\n`);
          process.exitCode = 1;
        }
      },
    );
}
