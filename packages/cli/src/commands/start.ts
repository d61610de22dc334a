import { resolve } from 'node:path';
import {
  ConfigError,
  type ConfigProblem,
  createLogger,
  createMetricsRegistry,
  describeTopology,
  onShutdown,
  pickLogFormat,
  type RunningService,
  readConfig,
  type StartService,
  startHealthServer,
} from '@signalbox/runtime';
import type { Command } from 'commander';
import { localDefaults } from '../local-defaults.ts';
import { ensureLocalRedis } from '../local-redis.ts';

const services = ['event-listener', 'run-scheduler', 'notifier', 'manifest-updater'] as const;
type ServiceName = (typeof services)[number];

const loaders: Record<ServiceName, () => Promise<{ start?: StartService }>> = {
  'event-listener': () => import('@signalbox/event-listener/main'),
  'run-scheduler': () => import('@signalbox/run-scheduler/main'),
  notifier: () => import('@signalbox/notifier/main'),
  'manifest-updater': () => import('@signalbox/manifest-updater/main'),
};

/** The Redis URL without its password, for the logs. */
function redactedUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

/**
 * `signalbox start [services…]`: the named services (all four by default) in one process, sharing
 * one logger and one metrics registry. This is the composition root: it owns the signals, and on
 * SIGTERM/SIGINT stops the services in reverse order (each drains its in-flight work).
 */
// long-function: the start command and its option definitions; its action is the CLI's composition root
export function registerStart(program: Command): void {
  program
    .command('start')
    .description('start services in this process (all four if none named)')
    .argument('[services...]', `any of ${services.join(', ')}`)
    .option(
      '--local',
      'laptop mode: examples/ config and secrets, dry-run backend, ./out; starts redis-server if none answers on 127.0.0.1:6379',
    )
    // long-function: composition root of `signalbox start`: every service built and drained in one place
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
      const logger = createLogger({
        level: config.logLevel,
        format: pickLogFormat(config.logFormat, process.stdout.isTTY === true),
      });
      const selected = [...new Set(names.length > 0 ? names : services)] as ServiceName[];
      const registry = createMetricsRegistry();
      const running: RunningService[] = [];
      let health: Awaited<ReturnType<typeof startHealthServer>> | undefined;
      let stopRedis: (() => Promise<void>) | undefined;
      let stopping = false;

      const startAll = async () => {
        if (opts.local && !env.REDIS_URL) {
          stopRedis = await ensureLocalRedis(resolve('.signalbox/redis'), logger);
        }
        const notBuilt: string[] = [];
        // Each service reads its own settings when it starts. A bad one does not stop the others
        // from being tried, so every bad variable of every service is reported in one round
        // instead of one per restart (what started is stopped again below).
        const badSettings = new Map<string, ConfigProblem>();
        for (const name of selected) {
          if (stopping) return;
          const mod = await loaders[name]();
          if (typeof mod.start !== 'function') {
            notBuilt.push(name);
            logger.warn({ service: name }, `${name}: not built yet; its queue's jobs wait durably in Redis`);
            continue;
          }
          try {
            running.push(await mod.start({ env, logger: logger.child({ service: name }), registry }));
          } catch (err) {
            if (err instanceof ConfigError) {
              // Services share some variables (GITHUB_API_URL): each bad one is named once.
              for (const p of err.problems) badSettings.set(p.variable, p);
              continue;
            }
            throw new Error(`${name}: ${(err as Error).message}`, { cause: err });
          }
        }
        const [first, ...rest] = badSettings.values();
        if (first) throw new ConfigError([first, ...rest]);
        // The event-listener serves /healthz, /readyz and /metrics on ADMIN_PORT beside its admin
        // API; without it, the worker services get the small health server on that port.
        if (!running.some((s) => s.name === 'event-listener')) {
          health = await startHealthServer({
            port: config.adminPort,
            host: config.adminHost,
            checks: running.map((s) => ({ name: s.name, check: () => s.ready() })),
            registry,
          });
        }
        logger.info(
          {
            services: running.map((s) => s.name),
            ...(notBuilt.length > 0 ? { notBuilt } : {}),
            redis:
              config.redis.kind === 'standalone'
                ? redactedUrl(config.redisUrl)
                : describeTopology(config.redis),
            configDir: config.configDir,
            ...(running.some((s) => s.name === 'event-listener') ? { port: config.port } : {}),
            adminPort: health?.port ?? config.adminPort,
          },
          'signalbox started',
        );
      };

      const startup = startAll();
      let stopped: Promise<void> | undefined;
      const stopAll = () => (stopped ??= stopEverything());
      const stopEverything = async () => {
        stopping = true;
        // A signal during start-up: let the service being started finish starting, then stop it too.
        await startup.catch(() => {});
        await health?.close();
        for (const service of [...running].reverse()) {
          await service.stop().catch((err: unknown) => {
            logger.error(
              { service: service.name, err: (err as Error).message },
              'service did not stop cleanly',
            );
          });
        }
        await stopRedis?.();
      };
      // Registered before anything starts, so a SIGTERM during start-up still drains what is running.
      onShutdown(stopAll, { timeoutMs: config.shutdownTimeoutMs, logger });

      try {
        await startup;
      } catch (err) {
        const message = (err as Error).message;
        logger.error({ err: message }, 'start-up failed: stopping what was started');
        process.stderr.write(`signalbox start: ${message}\n`);
        await stopAll();
        logger.flush?.();
        process.exit(1);
      }
    });
}
