import type { EnvReader } from './create-env-reader.ts';

/** A Redis node's address. */
export interface RedisAddress {
  readonly host: string;
  readonly port: number;
}

/** What every topology shares: credentials and TLS come from mounted secret files, never from env values. */
interface RedisAccess {
  /** File holding the password (a mounted Secret key); for `standalone`, one in the URL also works. */
  readonly passwordFile: string | undefined;
  readonly username: string | undefined;
  /** TLS to the data nodes (`rediss://`, or `REDIS_TLS=true` for Sentinel and Cluster). */
  readonly tls: boolean;
  /** PEM file of the CA that signed the Redis certificates (default: Node's trust store). */
  readonly caFile: string | undefined;
  /**
   * Replicas that must have the listener's intake writes before it answers 202 (`WAIT`); 0 = do
   * not wait. Default 1 for Sentinel and Cluster (they exist to have replicas), 0 for a URL.
   */
  readonly waitReplicas: number;
  /** How long the listener's `WAIT` may take (ms); past it the delivery is answered 503. */
  readonly waitTimeoutMs: number;
}

/** Which Redis the services use, as configured; `describe` names it in logs without secrets. */
export type RedisTopology = RedisAccess &
  (
    | { readonly kind: 'standalone'; readonly url: string }
    | {
        readonly kind: 'sentinel';
        readonly sentinels: readonly RedisAddress[];
        /** The monitored primary's name (`sentinel monitor <name> …`). */
        readonly name: string;
        /** File holding the sentinels' own password, when they require one. */
        readonly sentinelPasswordFile: string | undefined;
      }
    | { readonly kind: 'cluster'; readonly nodes: readonly RedisAddress[] }
  );

const hostPort = /^(?:\[([^\]]+)\]|([^:\s]+)):(\d{1,5})$/;

function parseAddresses(read: EnvReader, variable: string): RedisAddress[] | undefined {
  const items = read.list(variable);
  if (!items) return undefined;
  const out: RedisAddress[] = [];
  for (const item of items) {
    const m = hostPort.exec(item);
    const port = Number(m?.[3]);
    if (!m || port < 1 || port > 65535) {
      read.problem(variable, item, 'a comma-separated list of host:port (e.g. redis-0:26379,redis-1:26379)');
      continue;
    }
    out.push({ host: m[1] ?? m[2] ?? '', port });
  }
  return out;
}

/**
 * Reads the Redis topology: `REDIS_SENTINELS` + `REDIS_SENTINEL_NAME` (Sentinel) or
 * `REDIS_CLUSTER_NODES` (Cluster) win over `REDIS_URL` (standalone); setting both topology lists is
 * an error. Pure: secret files are named here and read when connecting.
 */
export function readRedisTopology(read: EnvReader): RedisTopology {
  const url = read.url(
    'REDIS_URL',
    'redis://127.0.0.1:6379',
    ['redis', 'rediss'],
    'redis://host:6379 or rediss://user:pass@host:6380/0',
  );
  const sentinels = parseAddresses(read, 'REDIS_SENTINELS');
  const nodes = parseAddresses(read, 'REDIS_CLUSTER_NODES');
  const name = read.optionalText('REDIS_SENTINEL_NAME');
  const tlsFlag = read.oneOf('REDIS_TLS', ['true', 'false'] as const);
  const replicated = sentinels !== undefined || nodes !== undefined;
  const access: RedisAccess = {
    passwordFile: read.optionalText('REDIS_PASSWORD_FILE'),
    username: read.optionalText('REDIS_USERNAME'),
    tls: tlsFlag === 'true' || (!replicated && url.startsWith('rediss:')),
    caFile: read.optionalText('REDIS_TLS_CA_FILE'),
    waitReplicas: read.integer('REDIS_WAIT_REPLICAS', replicated ? 1 : 0, { min: 0, max: 16 }),
    waitTimeoutMs: read.integer('REDIS_WAIT_TIMEOUT_MS', 1_000, { min: 10, max: 60_000 }),
  };
  if (sentinels && nodes) {
    read.problem(
      'REDIS_CLUSTER_NODES',
      nodes.map((n) => `${n.host}:${n.port}`).join(','),
      'unset when REDIS_SENTINELS is set (one topology)',
    );
  }
  if (sentinels) {
    if (!name)
      read.problem('REDIS_SENTINEL_NAME', '', "the monitored primary's name when REDIS_SENTINELS is set");
    return {
      ...access,
      kind: 'sentinel',
      sentinels,
      name: name ?? 'mymaster',
      sentinelPasswordFile: read.optionalText('REDIS_SENTINEL_PASSWORD_FILE'),
    };
  }
  if (nodes) return { ...access, kind: 'cluster', nodes };
  return { ...access, kind: 'standalone', url };
}
