import { statSync } from 'node:fs';

/**
 * The config directory a command reads: `--config`, else SIGNALBOX_CONFIG, else ./config. Throws
 * a message a newcomer can act on when it is not a directory — a fresh clone has no ./config, and a
 * bare ENOENT from deep in the loader said neither where the default comes from nor what to try.
 */
export function configDir(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  // An empty variable means unset, as for every setting (createEnvReader).
  const dir = option || env.SIGNALBOX_CONFIG || './config';
  const isDir = (() => {
    try {
      return statSync(dir).isDirectory();
    } catch {
      return false;
    }
  })();
  if (isDir) return dir;
  const source = option
    ? `--config ${dir}`
    : env.SIGNALBOX_CONFIG
      ? `SIGNALBOX_CONFIG=${dir}`
      : `${dir} (the default when neither --config nor SIGNALBOX_CONFIG is given)`;
  throw new Error(
    `no config directory at ${source}; the examples are in examples/config: --config examples/config`,
  );
}
