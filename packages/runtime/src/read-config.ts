import { createEnvReader } from './create-env-reader.ts';
import { type RedisTopology, readRedisTopology } from './read-redis-topology.ts';

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const runBackends = ['kubernetes', 'dry-run'] as const;
const logFormats = ['json', 'pretty'] as const;

/** Process settings, parsed once from the environment. */
export interface RuntimeConfig {
  /** `REDIS_URL` (the standalone server; also what one-shot CLI commands use). */
  readonly redisUrl: string;
  /** The topology the services connect to: Sentinel or Cluster when configured, else `REDIS_URL`. */
  readonly redis: RedisTopology;
  readonly configDir: string;
  readonly secretsDir: string;
  /** The event-listener's webhooks (`POST /hooks/:listener`, plus `/healthz`, `/readyz` for probes). */
  readonly port: number;
  /** Address `PORT` listens on (default 0.0.0.0; `signalbox start --local` makes it 127.0.0.1). */
  readonly host: string;
  /**
   * The admin surface, never on `PORT`: `/metrics`, `/healthz`, `/readyz` of every process, and the
   * listener's delivery API. `METRICS_PORT` is its deprecated former name (worker-only processes).
   */
  readonly adminPort: number;
  /** Address `ADMIN_PORT` listens on (default: `HOST`). */
  readonly adminHost: string;
  /** `undefined` = auto: kubernetes when a kubeconfig or in-cluster account is found, else dry-run. */
  readonly runBackend: (typeof runBackends)[number] | undefined;
  readonly outDir: string;
  readonly kubeconfig: string | undefined;
  readonly logLevel: (typeof logLevels)[number];
  /** `undefined` = auto: pretty when stdout is a terminal, else JSON lines. */
  readonly logFormat: (typeof logFormats)[number] | undefined;
  /** BullMQ key prefix: several installations can share one Redis. */
  readonly queuePrefix: string;
  readonly bodyLimitBytes: number;
  /** Harbor retries byte-identical bodies; a repeat within this window is a duplicate. */
  readonly dedupWindowSeconds: number;
  readonly ledgerTtlSeconds: number;
  /** How long SIGTERM waits for in-flight work before closing anyway. */
  readonly shutdownTimeoutMs: number;
  readonly adminTokenFile: string | undefined;
}

/**
 * Parses the process settings. Pure: reads only `env` and returns a frozen object. Every bad value
 * is collected and thrown as one `ConfigError` naming each variable, its value and the allowed values.
 */
export function readConfig(env: NodeJS.ProcessEnv): RuntimeConfig {
  const read = createEnvReader(env);
  const host = read.text('HOST', '0.0.0.0');
  const redis = readRedisTopology(read);
  const config: RuntimeConfig = {
    redisUrl: redis.kind === 'standalone' ? redis.url : (env.REDIS_URL ?? 'redis://127.0.0.1:6379'),
    redis,
    configDir: read.text('SIGNALBOX_CONFIG', './config'),
    secretsDir: read.text('SIGNALBOX_SECRETS_DIR', './secrets'),
    port: read.integer('PORT', 8080, { min: 0, max: 65535 }),
    host,
    adminPort: read.integer('ADMIN_PORT', read.integer('METRICS_PORT', 9090, { min: 0, max: 65535 }), {
      min: 0,
      max: 65535,
    }),
    adminHost: read.text('ADMIN_HOST', host),
    runBackend: read.oneOf('SIGNALBOX_RUN_BACKEND', runBackends),
    outDir: read.text('SIGNALBOX_OUT_DIR', './out'),
    kubeconfig: read.optionalText('KUBECONFIG'),
    logLevel: read.oneOf('LOG_LEVEL', logLevels) ?? 'info',
    logFormat: read.oneOf('LOG_FORMAT', logFormats),
    queuePrefix: read.matching(
      'SIGNALBOX_QUEUE_PREFIX',
      'signalbox',
      /^[A-Za-z0-9_.-]+$/,
      'letters, digits, ".", "_" or "-" (no ":")',
    ),
    bodyLimitBytes: read.integer('SIGNALBOX_BODY_LIMIT', 25 * 1024 * 1024, { min: 1024, max: 1024 ** 3 }),
    dedupWindowSeconds: read.integer('SIGNALBOX_DEDUP_WINDOW', 3600, { min: 1, max: 30 * 24 * 3600 }),
    ledgerTtlSeconds: read.integer('SIGNALBOX_LEDGER_TTL', 72 * 3600, { min: 60, max: 90 * 24 * 3600 }),
    shutdownTimeoutMs: read.integer('SIGNALBOX_SHUTDOWN_TIMEOUT_MS', 25_000, { min: 0, max: 600_000 }),
    adminTokenFile: read.optionalText('SIGNALBOX_ADMIN_TOKEN_FILE'),
  };
  read.done();
  return Object.freeze(config);
}
