import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { askRedis } from './redis-ask.ts';
import { type RedisProcess, startRedisProcess } from './redis-process.ts';

const run = promisify(execFile);

/** A Redis Cluster on loopback: `masters` primaries with `replicasPerMaster` replicas each. */
export interface RedisCluster {
  readonly nodes: readonly RedisProcess[];
  /** `host:port` of every node, for `REDIS_CLUSTER_NODES`. */
  readonly addresses: string;
  /** The node each port belongs to, and its role as the cluster sees it now. */
  roles(): Promise<Roles>;
  /** The ports of the nodes that are primaries now (a Cluster's KEYS or SCRIPT EXISTS answer per node). */
  primaries(): Promise<number[]>;
  /** Resolves when every slot is served and every live node reports `cluster_state:ok`. */
  waitHealthy(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts `masters × (1 + replicasPerMaster)` `redis-server --cluster-enabled yes` on free loopback
 * ports and joins them with `redis-cli --cluster create`. The node timeout is 1 s and a replica
 * takes over however long it was cut off (`cluster-replica-validity-factor 0`), so a killed
 * primary is replaced within a few seconds.
 */
export async function startRedisCluster(
  options: { masters?: number; replicasPerMaster?: number; nodeTimeoutMs?: number } = {},
): Promise<RedisCluster> {
  const masters = options.masters ?? 3;
  const replicas = options.replicasPerMaster ?? 1;
  const nodes: RedisProcess[] = [];
  for (let i = 0; i < masters * (1 + replicas); i++) {
    nodes.push(
      await startRedisProcess([
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        'nodes.conf',
        '--cluster-node-timeout',
        String(options.nodeTimeoutMs ?? 1_000),
        '--cluster-replica-validity-factor',
        '0',
        '--appendonly',
        'no',
        '--save',
        '',
      ]),
    );
  }
  const addresses = nodes.map((n) => `127.0.0.1:${n.port}`);
  await run('redis-cli', [
    '--cluster',
    'create',
    ...addresses,
    '--cluster-replicas',
    String(replicas),
    '--cluster-yes',
  ]);
  const cluster: RedisCluster = {
    nodes,
    addresses: addresses.join(','),
    roles: () => clusterRoles(nodes),
    primaries: async () =>
      [...(await clusterRoles(nodes))].filter(([, r]) => r.role === 'master').map(([port]) => port),
    waitHealthy: (timeoutMs = 30_000) => waitHealthy(nodes, replicas, timeoutMs),
    async stop() {
      await Promise.all(nodes.map((n) => n.stop()));
    },
  };
  await cluster.waitHealthy();
  return cluster;
}

type Roles = Map<number, { role: 'master' | 'slave'; masterPort?: number; slots: string[] }>;

/** Each live node's role and slots, from `CLUSTER NODES` of the first node that answers. */
async function clusterRoles(nodes: readonly RedisProcess[]): Promise<Roles> {
  const out: Roles = new Map();
  const live = (await firstAnswer(nodes, (port) =>
    askRedis(port, (r) => r.call('CLUSTER', 'NODES')),
  )) as string;
  const ids = new Map<string, number>();
  const lines = live
    .trim()
    .split('\n')
    .map((l) => l.split(' '));
  for (const [id, addr] of lines) ids.set(id ?? '', Number(addr?.split('@')[0]?.split(':')[1]));
  for (const [id, addr, flags, master, , , , link, ...slots] of lines) {
    if (!flags || flags.includes('fail') || (link !== 'connected' && !flags.includes('myself'))) continue;
    const port = ids.get(id ?? '') ?? Number(addr);
    const masterPort = master && master !== '-' ? ids.get(master) : undefined;
    out.set(port, {
      role: flags.includes('master') ? 'master' : 'slave',
      ...(masterPort ? { masterPort } : {}),
      slots,
    });
  }
  return out;
}

/** Every live node says `cluster_state:ok` and every slot range has its primary and `replicas` replicas. */
async function waitHealthy(
  nodes: readonly RedisProcess[],
  replicas: number,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const states = await Promise.all(
      nodes.map((n) =>
        askRedis(n.port, (r) => r.call('CLUSTER', 'INFO'), 300).then(
          (info) => ((info as string).includes('cluster_state:ok') ? 'ok' : 'bad'),
          () => 'down',
        ),
      ),
    );
    // Every slot range served by a primary and all its replicas (they join after the create).
    const ranges = (await firstAnswer(nodes, (port) =>
      askRedis(port, (r) => r.call('CLUSTER', 'SLOTS')),
    ).catch(() => [])) as unknown[][];
    const complete = ranges.length > 0 && ranges.every((range) => range.length >= 3 + replicas);
    if (complete && states.includes('ok') && !states.includes('bad')) return;
    if (Date.now() > deadline)
      throw new Error(`cluster not healthy after ${timeoutMs} ms: ${states.join(',')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function firstAnswer<T>(nodes: readonly RedisProcess[], ask: (port: number) => Promise<T>): Promise<T> {
  let last: unknown;
  for (const n of nodes) {
    try {
      return await ask(n.port);
    } catch (err) {
      last = err;
    }
  }
  throw last;
}
