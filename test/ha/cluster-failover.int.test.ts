import { type RedisCluster, startRedisCluster } from '@signalbox/testkit';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { until } from '../e2e/stack.ts';
import { runThroughFailover } from './ha-run.ts';

/** Deliveries per run; CI runs fewer, the full figure (docs/guarantees.md) is `SIGNALBOX_HA_N=2000`. */
const N = Number(process.env.SIGNALBOX_HA_N ?? 300);

const ledgerIndex = '{signalbox:ledger}:deliveries';

async function ask<T>(port: number, fn: (r: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis({ port, lazyConnect: true, retryStrategy: () => null, connectTimeout: 500 });
  try {
    await redis.connect();
    return await fn(redis);
  } finally {
    redis.disconnect();
  }
}

/** The primary serving `key`'s slot and its replica, as the cluster sees them now (any live node answers). */
async function shardOf(cluster: RedisCluster, key: string): Promise<{ primary: number; replica?: number }> {
  for (const node of cluster.nodes) {
    try {
      const slot = (await ask(node.port, (r) => r.call('CLUSTER', 'KEYSLOT', key))) as number;
      const ranges = (await ask(node.port, (r) => r.call('CLUSTER', 'SLOTS'))) as [
        number,
        number,
        ...[string, number][],
      ][];
      const [, , primary, replica] = ranges.find(([from, to]) => slot >= from && slot <= to) ?? [];
      if (primary) return { primary: primary[1], ...(replica ? { replica: replica[1] } : {}) };
    } catch {
      // that node is down or frozen: ask the next
    }
  }
  throw new Error(`no live node knows the primary for ${key}`);
}

describe('Redis Cluster (3 primaries, 3 replicas)', () => {
  let cluster: RedisCluster | undefined;
  let close: (() => Promise<void>) | undefined;
  afterAll(async () => {
    await close?.();
    await cluster?.stop();
  });

  it(`${N} deliveries through two listeners and two schedulers; the ledger's replica cut off, then its primary SIGKILLed and the replica promoted: every 202 has exactly its PipelineRuns`, {
    timeout: 150_000 + N * 100,
  }, async () => {
    const c = await startRedisCluster();
    cluster = c;
    const { primary, replica } = await shardOf(c, ledgerIndex);
    if (replica === undefined) throw new Error('the ledger’s primary has no replica');
    const node = (port: number) => {
      const found = c.nodes.find((n) => n.port === port);
      if (!found) throw new Error(`no node on ${port}`);
      return found;
    };
    let promotedAfterMs = 0;
    const run = await runThroughFailover({
      label: 'cluster failover',
      n: N,
      topologyEnv: { REDIS_CLUSTER_NODES: c.addresses },
      failAt: Math.floor(N / 3),
      async fail(mark) {
        // Replication cut: the replica is frozen while deliveries keep writing to its primary.
        // Those writes cannot reach it, so WAIT answers 0 and they are answered 503, never 202.
        node(replica).signal('SIGSTOP');
        await new Promise((r) => setTimeout(r, 800));
        mark();
        const killedAt = Date.now();
        await node(primary).kill();
        await new Promise((r) => setTimeout(r, 300));
        node(replica).signal('SIGCONT');
        await until(
          'the replica promoted',
          async () => (await shardOf(c, ledgerIndex).catch(() => undefined))?.primary === replica,
          30_000,
        );
        promotedAfterMs = Date.now() - killedAt;
        // The old primary comes back as a replica of the new one (its pod restarting).
        await node(primary).restart();
        await c.waitHealthy();
      },
    });
    close = run.close;
    const keysPerPrimary = new Map<number, number>();
    for (const [port, role] of await c.roles())
      if (role.role === 'master') keysPerPrimary.set(port, (await ask(port, (r) => r.dbsize())) as number);
    console.log(
      `cluster failover: ledger primary ${primary} killed, replica ${replica} promoted after ${promotedAfterMs} ms; first 202 again ${run.figures.recoveryMs} ms after the kill; keys per primary ${JSON.stringify(Object.fromEntries(keysPerPrimary))}`,
    );
    expect((await shardOf(c, ledgerIndex)).primary).toBe(replica);
    expect([...keysPerPrimary.values()].filter((n) => n > 0).length).toBeGreaterThan(1);
    expect(run.figures.accepted).toBe(N);
    expect(run.figures.unavailable).toBeGreaterThan(0);
    expect(run.figures.lost).toBe(0);
    expect(run.figures.duplicates).toBe(0);
    expect(run.figures.pipelineRuns).toBe(run.figures.expectedRuns);
  });
});
