import { type FSWatcher, watch } from 'node:fs';
import type { LoadedConfig } from '../config/config-model.ts';
import { loadConfig } from '../config/load-config.ts';
import type { ConfigIssue } from '../types.ts';

/**
 * Reloads the config directory when a file in it changes (debounced: editors and ConfigMap
 * updates write several files). An invalid new config is reported and the last good one stays
 * in force. Returns a function that stops watching.
 */
export function watchConfig(
  dir: string,
  handlers: { onChange(config: LoadedConfig): void; onInvalid(issues: readonly ConfigIssue[]): void },
  options: { debounceMs?: number } = {},
): () => void {
  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;
  const reload = () => {
    const result = loadConfig(dir);
    if (result.ok) handlers.onChange(result.config);
    else handlers.onInvalid(result.issues);
  };
  try {
    watcher = watch(dir, { recursive: true }, () => {
      clearTimeout(timer);
      timer = setTimeout(reload, options.debounceMs ?? 200);
    });
  } catch {
    // The directory may not exist yet; nothing to watch.
  }
  return () => {
    clearTimeout(timer);
    watcher?.close();
  };
}
