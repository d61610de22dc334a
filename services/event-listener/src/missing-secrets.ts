import { join } from 'node:path';
import { type LoadedConfig, listenerAuthentication, type SecretStore } from '@signalbox/triggers';

/**
 * The secrets the config's listeners authenticate with that cannot be read (or are empty), each
 * as `secretName/secretKey (file)`. Without them every request to the listener is answered 401.
 */
export function missingSecrets(config: LoadedConfig, secrets: SecretStore, secretsDir: string): string[] {
  const missing = new Set<string>();
  for (const listener of config.listeners.values()) {
    const auth = listenerAuthentication(listener);
    for (const ref of [...auth.github, ...auth.harbor]) {
      if (!secrets.read(ref.secretName, ref.secretKey)) {
        missing.add(
          `${ref.secretName}/${ref.secretKey} (${join(secretsDir, ref.secretName, ref.secretKey)})`,
        );
      }
    }
  }
  return [...missing].sort();
}
