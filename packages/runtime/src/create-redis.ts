import { readFileSync } from 'node:fs';
import { Cluster, type ClusterOptions, type RedisOptions as IORedisOptions, Redis } from 'ioredis';
import type { Logger } from 'pino';
import { describeRedisError } from './describe-redis-error.ts';
import type { RedisTopology } from './read-redis-topology.ts';
import { checkEvictionPolicy } from './redis-policy.ts';

export interface CreateRedisOptions {
  name?: string;
  logger?: Logger;
  forWorker?: boolean;
  lazyConnect?: boolean;
  /**
   * Called once when a connected Redis is refused (its `maxmemory-policy` is not `noeviction`),
   * after the reason is logged at fatal level. Default: the process exits 1, so the misconfiguration
   * stops the service at start (a Kubernetes pod shows it in its last log line) instead of risking
   * evicted jobs.
   */
  onRefused?: (reason: string) => void;
  /** One connect attempt, no reconnects (one-shot commands: `connectRedisOnce`). */
  once?: boolean;
}

// ioredis types `replyMapping` as `T | undefined`, which exactOptionalPropertyTypes refuses.
type RedisOptions = Omit<IORedisOptions, 'replyMapping'>;

const backoff = (times: number) => Math.min(100 * 2 ** Math.min(times, 6), 5_000);

/** Where a topology is, for log lines (no credentials). */
export function describeTopology(topology: RedisTopology | string): string {
  if (typeof topology === 'string') return topology;
  if (topology.kind === 'standalone') return topology.url;
  const list = (topology.kind === 'sentinel' ? topology.sentinels : topology.nodes)
    .map((a) => `${a.host}:${a.port}`)
    .join(',');
  return topology.kind === 'sentinel' ? `sentinel ${topology.name} via ${list}` : `cluster ${list}`;
}

function secret(file: string | undefined): string | undefined {
  return file === undefined ? undefined : readFileSync(file, 'utf8').trim();
}

/** Credentials and TLS every node connection of `topology` uses (secret files read now). */
function accessOptions(topology: RedisTopology): RedisOptions {
  const password = secret(topology.passwordFile);
  const tls = topology.tls
    ? { ...(topology.caFile ? { ca: readFileSync(topology.caFile) } : {}) }
    : undefined;
  return {
    ...(password !== undefined ? { password } : {}),
    ...(topology.username !== undefined ? { username: topology.username } : {}),
    ...(tls ? { tls } : {}),
  };
}

function connect(topology: RedisTopology | string, options: CreateRedisOptions): Redis | Cluster {
  const retry = options.once ? () => null : backoff;
  // Workers: BullMQ needs `maxRetriesPerRequest: null` (blocking commands survive reconnects).
  // Producers (HTTP intake) fail fast while Redis is down, so a webhook gets a 503 and is
  // redelivered rather than hanging past the sender's timeout.
  const perRequest: RedisOptions = options.forWorker
    ? { maxRetriesPerRequest: null }
    : { maxRetriesPerRequest: 1, connectTimeout: 2_000 };
  const base: RedisOptions = {
    connectionName: options.name ?? 'signalbox',
    lazyConnect: options.lazyConnect ?? false,
    ...perRequest,
  };
  if (typeof topology === 'string' || topology.kind === 'standalone') {
    const url = typeof topology === 'string' ? topology : topology.url;
    const access = typeof topology === 'string' ? {} : accessOptions(topology);
    const standalone: RedisOptions = {
      ...base,
      ...access,
      retryStrategy: retry,
      ...(options.forWorker ? {} : { enableOfflineQueue: false }),
    };
    return new Redis(url, standalone);
  }
  if (topology.kind === 'sentinel') {
    const sentinelPassword = secret(topology.sentinelPasswordFile);
    const sentinel: RedisOptions = {
      ...base,
      ...accessOptions(topology),
      sentinels: topology.sentinels.map((s) => ({ host: s.host, port: s.port })),
      name: topology.name,
      role: 'master',
      ...(sentinelPassword !== undefined ? { sentinelPassword } : {}),
      // Learn of a promotion from the sentinels' +switch-master at once, instead of only when the
      // old primary's socket finally errors.
      failoverDetector: true,
      retryStrategy: retry,
      sentinelRetryStrategy: retry,
      ...(options.forWorker ? {} : { enableOfflineQueue: false }),
    };
    return new Redis(sentinel);
  }
  const clusterOptions = {
    lazyConnect: base.lazyConnect ?? false,
    clusterRetryStrategy: retry,
    // While a primary fails over, commands for its slots are retried (MOVED / CLUSTERDOWN) for
    // about as long as a promotion takes; the listener's ack deadline still bounds each delivery.
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 200,
    retryDelayOnTryAgain: 100,
    slotsRefreshTimeout: 2_000,
    ...(options.forWorker ? {} : { enableOfflineQueue: false }),
    redisOptions: { ...base, ...accessOptions(topology) },
  } satisfies Omit<ClusterOptions, 'redisOptions'> & { redisOptions: RedisOptions };
  return new Cluster(
    topology.nodes.map((n) => ({ host: n.host, port: n.port })),
    clusterOptions,
  );
}

/**
 * An ioredis connection to the configured topology (a URL, Sentinel, or Cluster — ioredis's own
 * clients, which follow a promotion by themselves) that reconnects forever with capped backoff.
 * A Cluster client is returned as `Redis`: it speaks the same commands, scripts and `status`, and
 * BullMQ recognises it by its `isCluster`; every key Signalbox uses is hash-tagged so that each
 * script and pipeline stays in one slot.
 *
 * Every time it becomes ready it checks `maxmemory-policy` on each primary (a promoted replica may
 * be configured differently) and refuses a Redis that may evict (see `checkEvictionPolicy`).
 *
 * Logs state changes only: one warn line when Redis cannot be reached (or the reason changes),
 * one info line when it is back. ioredis emits an error for every reconnect attempt — dozens a
 * minute — and repeating each would bury the one line that says what is wrong.
 */
export function createRedis(topology: RedisTopology | string, options: CreateRedisOptions = {}): Redis {
  const client = connect(topology, options);
  const where = describeTopology(topology);
  let wasReady = false;
  let down: string | undefined;
  client.on('ready', () => {
    if (down !== undefined) options.logger?.info({ redis: options.name }, 'redis reachable again');
    else if (wasReady) options.logger?.info({ redis: options.name }, 'redis reconnected');
    wasReady = true;
    down = undefined;
    void checkEvictionPolicy(client).then(
      (reason) => {
        if (reason === undefined) return;
        options.logger?.fatal({ redis: options.name }, reason);
        options.logger?.flush?.();
        client.disconnect();
        (options.onRefused ?? refuse)(reason);
      },
      () => {}, // unreachable again: the error handler below reports it
    );
  });
  client.on('error', (err: Error) => {
    const reason = describeRedisError(where, err);
    if (reason === down) return;
    down = reason;
    options.logger?.warn({ redis: options.name, err: err.message }, `${reason}; retrying`);
  });
  return client as Redis;
}

function refuse(reason: string): void {
  process.stderr.write(`signalbox: ${reason}\n`);
  process.exit(1);
}
