import { resolve } from 'node:path';
import {
  createLogger,
  createMetricsRegistry,
  onShutdown,
  type RunningService,
  readConfig,
  type StartService,
  startHealthServer,
} from '@signalbox/runtime';
import type { Command } from 'commander';
import { ensureLocalRedis } from '../local-redis.ts';

const services = ['event-listener', 'run-scheduler', 'notifier', 'manifest-updater'] as const;
type ServiceName = (typeof services)[number];

const loaders: Record<ServiceName, () => Promise<{ start?: StartService }>> = {
  'event-listener': () => import('@signalbox/event-listener/main'),
  'run-scheduler': () => import('@signalbox/run-scheduler/main'),
  notifier: () => import('@signalbox/notifier/main'),
  'manifest-updater': () => import('@signalbox/manifest-updater/main'),
};

/** Local mode: the repo's example config, dry-run runs, and a Redis of its own if none is running. */
function localDefaults(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return {
    SIGNALBOX_CONFIG: resolve('examples/config'),
    SIGNALBOX_SECRETS_DIR: resolve('examples/secrets'),
    SIGNALBOX_RUN_BACKEND: 'dry-run',
    SIGNALBOX_OUT_DIR: resolve('out'),
    SIGNALBOX_ADMIN_TOKEN_FILE: resolve('examples/secrets/admin/token'),
    ...env,
  };
}

/** `signalbox start [services…]`: the named services (all four by default) in one process. */
export function registerStart(program: Command): void {
  program
    .command('start')
    .description('start services in this process (all four if none named)')
    .argument('[services...]', `any of ${services.join(', ')}`)
    .option('--local', 'laptop mode: examples/ config, dry-run backend, starts redis-server if none runs')
    .action(async (names: string[], opts: { local?: boolean }) => {
      const unknown = names.filter((n) => !(services as readonly string[]).includes(n));
      if (unknown.length > 0) {
        process.stderr.write(
          `signalbox start: unknown service ${unknown.join(', ')} (one of ${services.join(', ')})\n`,
        );
        process.exit(2);
      }
      const env = opts.local ? localDefaults(process.env) : process.env;
      let config: ReturnType<typeof readConfig>;
      try {
        config = readConfig(env);
      } catch (err) {
        process.stderr.write(`signalbox start: ${(err as Error).message}\n`);
        process.exit(1);
      }
      const logger = createLogger({ level: config.logLevel });
      const stopRedis =
        opts.local && !env.REDIS_URL
          ? await ensureLocalRedis(resolve('.signalbox/redis'), logger)
          : undefined;
      const selected = (names.length > 0 ? names : services) as readonly ServiceName[];
      const registry = createMetricsRegistry();
      const running: RunningService[] = [];
      for (const name of selected) {
        const mod = await loaders[name]();
        if (typeof mod.start !== 'function') {
          logger.warn({ service: name }, `${name}: not built yet; its queue's jobs wait durably in Redis`);
          continue;
        }
        running.push(await mod.start({ env, logger: logger.child({ service: name }), registry }));
      }
      // The event-listener serves /healthz, /readyz and /metrics on PORT; worker-only processes get
      // the small health server on METRICS_PORT.
      const health = selected.includes('event-listener')
        ? undefined
        : await startHealthServer({
            port: config.metricsPort,
            checks: running.map((s) => ({ name: s.name, check: () => s.ready() })),
            registry,
          });
      logger.info(
        { services: running.map((s) => s.name), config: config.configDir, metricsPort: health?.port },
        'signalbox started',
      );
      onShutdown(
        async () => {
          await health?.close();
          for (const service of running.reverse()) await service.stop();
          stopRedis?.();
        },
        { timeoutMs: config.shutdownTimeoutMs, logger },
      );
    });
}
