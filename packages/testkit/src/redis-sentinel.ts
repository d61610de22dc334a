import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { askRedis as ask } from './redis-ask.ts';
import { type RedisProcess, startRedisProcess } from './redis-process.ts';

/** A primary, its replicas and the sentinels that watch them, on loopback. */
export interface RedisSentinelSetup {
  /** The name the sentinels monitor the primary under (`REDIS_SENTINEL_NAME`). */
  readonly name: string;
  /** Data nodes: `[0]` starts as the primary. */
  readonly servers: readonly RedisProcess[];
  readonly sentinels: readonly RedisProcess[];
  /** `host:port` of every sentinel, for `REDIS_SENTINELS`. */
  readonly addresses: string;
  /** The primary's port as the sentinels report it now. */
  primaryPort(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Starts a primary, `replicas` replicas (`--replicaof`) and `sentinels` `redis-server --sentinel`
 * (quorum 2, `down-after-milliseconds` 1 s), resolved once every replica is in sync and every
 * sentinel knows them.
 */
export async function startRedisSentinel(
  options: { name?: string; replicas?: number; sentinels?: number; downAfterMs?: number } = {},
): Promise<RedisSentinelSetup> {
  const name = options.name ?? 'signalbox';
  const data = ['--appendonly', 'no', '--save', ''];
  const primary = await startRedisProcess(data);
  const servers = [primary];
  for (let i = 0; i < (options.replicas ?? 1); i++) {
    servers.push(await startRedisProcess([...data, '--replicaof', '127.0.0.1', String(primary.port)]));
  }
  const sentinels: RedisProcess[] = [];
  for (let i = 0; i < (options.sentinels ?? 3); i++) {
    sentinels.push(
      await startRedisProcess(['--sentinel'], {
        ready: /\+monitor master/,
        configFile: (port, dir) => {
          const file = join(dir, 'sentinel.conf');
          writeFileSync(
            file,
            [
              `port ${port}`,
              `sentinel monitor ${name} 127.0.0.1 ${primary.port} 2`,
              `sentinel down-after-milliseconds ${name} ${options.downAfterMs ?? 1_000}`,
              `sentinel failover-timeout ${name} 10000`,
              `sentinel parallel-syncs ${name} 1`,
              '',
            ].join('\n'),
          );
          return file;
        },
      }),
    );
  }
  const setup: RedisSentinelSetup = {
    name,
    servers,
    sentinels,
    addresses: sentinels.map((s) => `127.0.0.1:${s.port}`).join(','),
    async primaryPort() {
      for (const s of sentinels) {
        try {
          const [, port] = (await ask(s.port, (r) =>
            r.call('SENTINEL', 'get-master-addr-by-name', name),
          )) as string[];
          return Number(port);
        } catch {
          // that sentinel is down: ask the next
        }
      }
      throw new Error('no sentinel answered');
    },
    async stop() {
      await Promise.all([...sentinels, ...servers].map((p) => p.stop()));
    },
  };
  // Ready when each replica is in sync and each sentinel has discovered every replica.
  const deadline = Date.now() + 20_000;
  for (;;) {
    const synced = await ask(primary.port, (r) => r.info('replication'));
    const online = (synced.match(/state=online/g) ?? []).length;
    const known = await Promise.all(
      sentinels.map((s) =>
        ask(s.port, (r) => r.call('SENTINEL', 'replicas', name)).then((l) => (l as unknown[]).length),
      ),
    );
    if (online === servers.length - 1 && known.every((k) => k === servers.length - 1)) break;
    if (Date.now() > deadline)
      throw new Error(`sentinel setup not ready: ${online} replicas online, sentinels know ${known}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return setup;
}
