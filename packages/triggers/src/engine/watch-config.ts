import { createHash } from 'node:crypto';
import { type FSWatcher, readFileSync, watch } from 'node:fs';
import type { LoadedConfig } from '../config/config-model.ts';
import { listConfigFiles } from '../config/list-config-files.ts';
import { loadConfig } from '../config/load-config.ts';
import type { ConfigIssue } from '../types.ts';

/** What the YAML files say, so an event that changed nothing (touch, a ConfigMap resync) reloads nothing. */
function fingerprint(dir: string): string {
  const hash = createHash('sha256');
  try {
    for (const file of listConfigFiles(dir))
      hash.update(file).update('\0').update(readFileSync(file)).update('\0');
  } catch (err) {
    hash.update(`unreadable: ${(err as Error).message}`);
  }
  return hash.digest('hex');
}

/**
 * Reloads the config directory when its YAML changes: on file events (debounced, since editors
 * and ConfigMap updates write several files) and on a poll every `pollMs` (default 10 s) that
 * catches what events miss. Only a change of the files' content reloads. A valid new config goes
 * to `onChange`; an invalid one goes to `onInvalid` with every issue, and the caller keeps the
 * last good config. Returns a function that stops watching.
 */
export function watchConfig(
  dir: string,
  handlers: { onChange(config: LoadedConfig): void; onInvalid(issues: readonly ConfigIssue[]): void },
  options: { debounceMs?: number; pollMs?: number } = {},
): () => void {
  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;
  let last = fingerprint(dir);
  const reload = () => {
    const now = fingerprint(dir);
    if (now === last) return;
    last = now;
    const result = loadConfig(dir);
    if (result.ok) handlers.onChange(result.config);
    else handlers.onInvalid(result.issues);
  };
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(reload, options.debounceMs ?? 200);
  };
  // File events are prompt but not guaranteed (Node's recursive watch on Linux silently watches
  // nothing when the directory is missing, inotify limits, network filesystems): a poll backs them up.
  const poller = setInterval(reload, options.pollMs ?? 10_000);
  poller.unref();
  try {
    watcher = watch(dir, { recursive: true }, schedule);
    watcher.on('error', () => {
      watcher?.close();
      watcher = undefined;
    });
  } catch {
    // Polling alone.
  }
  return () => {
    clearTimeout(timer);
    clearInterval(poller);
    watcher?.close();
  };
}
