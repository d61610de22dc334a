import type { Cluster, Redis } from 'ioredis';

/**
 * BullMQ requires `maxmemory-policy noeviction`: under any other policy Redis may evict a queued
 * job, a lock or a ledger record when memory runs short, and an acknowledged delivery is silently
 * gone. Resolves with the message to refuse the server with, or `undefined` when every primary is
 * configured right. `CONFIG` may be renamed away on managed Redis; then `INFO memory` is read.
 */
export async function checkEvictionPolicy(client: Redis | Cluster): Promise<string | undefined> {
  const primaries: Redis[] = client.isCluster ? (client as Cluster).nodes('master') : [client as Redis];
  for (const node of primaries) {
    const policy = await readPolicy(node);
    if (policy !== undefined && policy !== 'noeviction') {
      const where = `${node.options.host ?? '?'}:${node.options.port ?? '?'}`;
      return `Redis at ${where} has maxmemory-policy ${policy}; Signalbox (BullMQ) needs noeviction, or Redis may evict queued jobs and acknowledged deliveries under memory pressure. Set \`maxmemory-policy noeviction\` on every primary (CONFIG SET maxmemory-policy noeviction, and in redis.conf) and start again`;
    }
  }
  return undefined;
}

async function readPolicy(node: Redis): Promise<string | undefined> {
  try {
    const reply = (await node.config('GET', 'maxmemory-policy')) as string[];
    if (reply[1]) return reply[1];
  } catch {
    // CONFIG renamed or forbidden: INFO below.
  }
  const info = await node.info('memory');
  return /^maxmemory_policy:(\S+)/m.exec(info)?.[1];
}
