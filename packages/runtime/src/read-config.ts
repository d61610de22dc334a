import { ConfigError } from './config-error.ts';

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const runBackends = ['kubernetes', 'dry-run'] as const;

/** Process settings, parsed once from the environment. */
export interface RuntimeConfig {
  readonly redisUrl: string;
  readonly configDir: string;
  readonly secretsDir: string;
  /** event-listener HTTP port. */
  readonly port: number;
  /** /healthz, /readyz, /metrics of the worker services when run without the listener. */
  readonly metricsPort: number;
  /** `undefined` = auto: kubernetes when a kubeconfig or in-cluster account is found, else dry-run. */
  readonly runBackend: (typeof runBackends)[number] | undefined;
  readonly outDir: string;
  readonly kubeconfig: string | undefined;
  readonly logLevel: (typeof logLevels)[number];
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

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(name, raw, `an integer from ${min} to ${max}`);
  }
  return value;
}

function oneOf<T extends string>(env: NodeJS.ProcessEnv, name: string, allowed: readonly T[]): T | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  if (!(allowed as readonly string[]).includes(raw))
    throw new ConfigError(name, raw, `one of ${allowed.join(', ')}`);
  return raw as T;
}

function redisUrl(env: NodeJS.ProcessEnv): string {
  const raw = env.REDIS_URL;
  if (raw === undefined || raw === '') return 'redis://127.0.0.1:6379';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(
      'REDIS_URL',
      raw,
      'a URL such as redis://host:6379 or rediss://user:pass@host:6380/0',
    );
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new ConfigError('REDIS_URL', raw, 'a redis:// or rediss:// URL');
  }
  return raw;
}

function text(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const raw = env[name];
  return raw === undefined || raw === '' ? fallback : raw;
}

/**
 * Parses the process settings. Pure: reads only `env`, returns a frozen object, and throws a
 * `ConfigError` naming variable, value and allowed values at the first bad one.
 */
export function readConfig(env: NodeJS.ProcessEnv): RuntimeConfig {
  const prefix = text(env, 'SIGNALBOX_QUEUE_PREFIX', 'signalbox');
  if (!/^[A-Za-z0-9_.-]+$/.test(prefix)) {
    throw new ConfigError('SIGNALBOX_QUEUE_PREFIX', prefix, 'letters, digits, ".", "_" or "-" (no ":")');
  }
  return Object.freeze({
    redisUrl: redisUrl(env),
    configDir: text(env, 'SIGNALBOX_CONFIG', './config'),
    secretsDir: text(env, 'SIGNALBOX_SECRETS_DIR', './secrets'),
    port: integer(env, 'PORT', 8080, 0, 65535),
    metricsPort: integer(env, 'METRICS_PORT', 9090, 0, 65535),
    runBackend: oneOf(env, 'SIGNALBOX_RUN_BACKEND', runBackends),
    outDir: text(env, 'SIGNALBOX_OUT_DIR', './out'),
    kubeconfig: env.KUBECONFIG || undefined,
    logLevel: oneOf(env, 'LOG_LEVEL', logLevels) ?? 'info',
    queuePrefix: prefix,
    bodyLimitBytes: integer(env, 'SIGNALBOX_BODY_LIMIT', 25 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    dedupWindowSeconds: integer(env, 'SIGNALBOX_DEDUP_WINDOW', 3600, 1, 30 * 24 * 3600),
    ledgerTtlSeconds: integer(env, 'SIGNALBOX_LEDGER_TTL', 72 * 3600, 60, 90 * 24 * 3600),
    shutdownTimeoutMs: integer(env, 'SIGNALBOX_SHUTDOWN_TIMEOUT_MS', 25_000, 0, 600_000),
    adminTokenFile: env.SIGNALBOX_ADMIN_TOKEN_FILE || undefined,
  });
}
