import type { LoadedConfig } from '../config/config-model.ts';
import { formatIssue } from '../config/config-model.ts';
import { loadConfig } from '../config/load-config.ts';
import { watchConfig } from './watch-config.ts';

/**
 * What every service does with the config directory: load it (an invalid config at start is
 * fatal, with every issue as `file:doc:field: message`), then follow it — a valid change goes to
 * `onChange`, an invalid one is logged with its issues and the last valid config stays.
 */
export function loadAndWatchConfig(
  dir: string,
  logger: { error(obj: Record<string, unknown>, msg: string): void },
  onChange: (config: LoadedConfig) => void,
): { readonly config: LoadedConfig; stop(): void } {
  const loaded = loadConfig(dir);
  if (!loaded.ok) throw new Error(`invalid config in ${dir}:\n${loaded.issues.map(formatIssue).join('\n')}`);
  const stop = watchConfig(dir, {
    onChange,
    onInvalid(issues) {
      logger.error(
        { issues: issues.map(formatIssue) },
        'config change rejected: keeping the last valid config',
      );
    },
  });
  return { config: loaded.config, stop };
}
