import { resolve } from 'node:path';

/**
 * Local mode (`start --local`, `demo`): the repo's example config and secrets, dry-run runs,
 * outputs under ./out (explicit env wins). Both ports bind to loopback unless HOST is set: the
 * example secrets and admin token are public, so a laptop must not offer them to its network.
 */
export function localDefaults(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return {
    HOST: '127.0.0.1',
    SIGNALBOX_CONFIG: resolve('examples/config'),
    SIGNALBOX_SECRETS_DIR: resolve('examples/secrets'),
    SIGNALBOX_RUN_BACKEND: 'dry-run',
    SIGNALBOX_OUT_DIR: resolve('out'),
    SIGNALBOX_ADMIN_TOKEN_FILE: resolve('examples/secrets/admin/token'),
    ...env,
  };
}
