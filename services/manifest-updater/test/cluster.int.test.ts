import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createRedis, readConfig } from '@signalbox/runtime';
import { askRedis, type RedisCluster, startRedisCluster } from '@signalbox/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { withRepoLock } from '../src/repo-lock.ts';
import { UpdateState } from '../src/update-state.ts';
import { digestOf, type Harness, harborBody, startHarness } from './harness.ts';

const branch = 'signalbox/team-a-api-main';
const overlay = 'apps/api/overlays/prod/kustomization.yaml';

let cluster: RedisCluster | undefined;
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  await cluster?.stop();
  h = cluster = undefined;
});

/** The keys under `pattern` on every primary (a Cluster's KEYS answers for its own node only). */
async function keysEverywhere(on: RedisCluster, pattern: string): Promise<string[]> {
  const found = await Promise.all(
    (await on.primaries()).map((port) => askRedis(port, (r) => r.keys(pattern))),
  );
  return found.flat().sort();
}

describe('two manifest-updater replicas on a 3-primary Redis Cluster', () => {
  it('three tags, each pushed then scanned, taken by both: one PR at the newest, one commit, the repo lock released', async () => {
    const on = await startRedisCluster({ masters: 3, replicasPerMaster: 0 });
    cluster = on;
    const redis = readConfig({ REDIS_CLUSTER_NODES: on.addresses, REDIS_WAIT_REPLICAS: '0' }).redis;
    h = await startHarness(import.meta.url, { redis });
    const tags = ['1.5.0', '1.6.0', '1.7.0'];
    // Every job in the queue before the replicas start, so both take some at once.
    for (const [i, tag] of tags.entries()) {
      await h.harbor(harborBody('PUSH_ARTIFACT.json', tag, digestOf(i + 1)), `push-${tag}`);
      await h.harbor(
        harborBody('SCANNING_COMPLETED.no-vulnerabilities.json', tag, digestOf(i + 1)),
        `scan-${tag}`,
      );
    }
    // Each replica with its own clones, as two pods have.
    const workers = ['a', 'b'].map((w) => h!.startWorker({ workDir: join(h!.workDir, w), concurrency: 2 }));
    const taken = workers.map(() => 0);
    // No CROSSSLOT, no script refused, no lock lost: the first failed attempt fails the test.
    const failed = new Promise<never>((_, reject) =>
      workers.forEach((w, i) => {
        w.on('failed', (job, err) => reject(new Error(`job ${job?.id}: ${err.message}`)));
        w.on('active', () => taken[i]!++);
      }),
    );
    failed.catch(() => {});
    await Promise.race([h.idle({ timeoutMs: 50_000 }), failed]);

    expect(taken.every((n) => n > 0)).toBe(true);
    const pulls = h.fake.pulls('org', 'manifests');
    expect(pulls).toHaveLength(1);
    expect(pulls[0]).toMatchObject({ head: branch, state: 'open' });
    expect(pulls[0]?.title).toBe('[Update manifest] harbor.example.com/team-a/api:1.7.0');
    expect((await h.fake.git('org', 'manifests', 'rev-list', '--count', `main..${branch}`)).trim()).toBe('1');
    expect(await h.fake.readFile('org', 'manifests', branch, overlay)).toContain('newTag: "1.7.0"');
    expect(await h.notifications('manifest.pr_opened')).toHaveLength(1);

    const state = new UpdateState(h.redis, h.prefix);
    const policy = h.config.imageUpdatePolicies[0]?.name ?? '';
    expect(await state.applied(policy)).toMatchObject({ tag: '1.7.0', pr: { number: pulls[0]?.number } });
    expect(await state.newest(policy)).toMatchObject({ tag: '1.7.0' });
    for (const i of tags.keys())
      expect(await state.scan('harbor.example.com/team-a/api', digestOf(i + 1))).toMatchObject({
        state: 'pass',
      });
    // Every lock released by its holder (release is a script; a refused one would leave it to expire).
    expect(await keysEverywhere(on, `${h.prefix}:manifest-updater:*lock*`)).toEqual([]);
    expect(await keysEverywhere(on, `${h.prefix}:manifest-updater:hold:*`)).toEqual([]);
    console.info(`cluster: jobs taken per replica ${taken.join(' / ')}`);
  }, 60_000);

  it('the repo lock on the Cluster: renewed while held past its TTL, so a second replica gets it only after the release', async () => {
    const on = await startRedisCluster({ masters: 3, replicasPerMaster: 0 });
    cluster = on;
    const topology = readConfig({ REDIS_CLUSTER_NODES: on.addresses, REDIS_WAIT_REPLICAS: '0' }).redis;
    const [a, b] = [createRedis(topology, { forWorker: true }), createRedis(topology, { forWorker: true })];
    try {
      const key = `${randomUUID()}:manifest-updater:lock:https://github.com/org/manifests.git`;
      const order: string[] = [];
      // Held for three TTLs: only the renewal script keeps it from expiring under the holder.
      const holder = withRepoLock(a, key, { ttlMs: 600, waitMs: 0 }, async () => {
        order.push('a took it');
        await new Promise((r) => setTimeout(r, 1_800));
        order.push('a done');
      });
      await new Promise((r) => setTimeout(r, 50));
      const other = withRepoLock(b, key, { ttlMs: 600, waitMs: 10_000 }, async () => {
        order.push('b took it');
      });
      await Promise.all([holder, other]);
      expect(order).toEqual(['a took it', 'a done', 'b took it']);
      expect(await a.exists(key)).toBe(0);

      // A lock that vanishes under its holder (evicted, failed over, expired in a stall) is reported once.
      const warnings: string[] = [];
      const logger = { warn: (_: object, message: string) => void warnings.push(message) };
      await withRepoLock(a, key, { ttlMs: 600, waitMs: 0, logger }, async () => {
        await b.del(key);
        await new Promise((r) => setTimeout(r, 1_000));
      });
      expect(warnings).toEqual([
        'repo lock lost before the work finished (expired or taken); the lease-protected push still guards the branch',
      ]);
    } finally {
      a.disconnect();
      b.disconnect();
    }
  }, 60_000);
});
