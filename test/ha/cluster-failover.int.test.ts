import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { askRedis as ask, type RedisCluster, startRedisCluster } from '@signalbox/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot, until } from '../e2e/stack.ts';
import { expectNothingLostOrTwice, runThroughFailover } from './ha-run.ts';

/** Deliveries per run; CI runs fewer, the full figure (docs/guarantees.md) is `SIGNALBOX_HA_N=2000`. */
const N = Number(process.env.SIGNALBOX_HA_N ?? 300);

/**
 * The runs queue's wait list: its shard holds the jobs that become PipelineRuns, so a job that only
 * its old primary had is a PipelineRun missing at the end (the ledger's shard would lose only dedup
 * records, whose jobs live elsewhere).
 */
const runsKey = 'signalbox:{signalbox-runs}:signalbox-runs:wait';

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

  it(`${N} deliveries through two listeners and two schedulers; the runs queue's replica cut off, then its primary SIGKILLed and the replica promoted: every 202 has exactly its PipelineRuns`, {
    timeout: 150_000 + N * 100,
  }, async () => {
    const c = await startRedisCluster();
    cluster = c;
    const { primary, replica } = await shardOf(c, runsKey);
    if (replica === undefined) throw new Error('the runs queue’s primary has no replica');
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
      async fail({ mark, schedulers }) {
        // Replication cut: the replica is frozen while deliveries keep writing to its primary.
        // Those writes cannot reach it, so WAIT answers 0 and they are answered 503, never 202.
        // The schedulers are held meanwhile, so the jobs wait in Redis as a backlog would.
        // SIGSTOP alone does not cut replication (the kernel still buffers what the primary sends),
        // so the primary also drops its replica link; the frozen replica cannot reconnect.
        schedulers('SIGSTOP');
        node(replica).signal('SIGSTOP');
        await ask(primary, (r) => r.call('CLIENT', 'KILL', 'TYPE', 'replica'));
        await new Promise((r) => setTimeout(r, 800));
        mark();
        const killedAt = Date.now();
        await node(primary).kill();
        await new Promise((r) => setTimeout(r, 300));
        node(replica).signal('SIGCONT');
        schedulers('SIGCONT');
        await until(
          'the replica promoted',
          async () => (await shardOf(c, runsKey).catch(() => undefined))?.primary === replica,
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
      `cluster failover: runs queue primary ${primary} killed, replica ${replica} promoted after ${promotedAfterMs} ms; first 202 again ${run.figures.recoveryMs} ms after the kill; keys per primary ${JSON.stringify(Object.fromEntries(keysPerPrimary))}`,
    );
    // One-shot commands use the same topology: nothing was dead-lettered.
    const dlq = await promisify(execFile)(
      join(repoRoot, 'node_modules/.bin/signalbox'),
      ['dlq', 'list', '--json'],
      {
        env: { PATH: process.env.PATH, REDIS_CLUSTER_NODES: c.addresses },
      },
    );
    expect(dlq.stdout).toBe('');
    expect((await shardOf(c, runsKey)).primary).toBe(replica);
    expect([...keysPerPrimary.values()].filter((n) => n > 0).length).toBeGreaterThan(1);
    expectNothingLostOrTwice(run.figures, N);
  });
});
