import { type RedisSentinelSetup, startRedisSentinel } from '@signalbox/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { until } from '../e2e/stack.ts';
import { expectNothingLostOrTwice, runThroughFailover } from './ha-run.ts';

/** Deliveries per run; CI runs fewer, the full figure (docs/guarantees.md) is `SIGNALBOX_HA_N=2000`. */
const N = Number(process.env.SIGNALBOX_HA_N ?? 300);

describe('Redis Sentinel (1 primary, 1 replica, 3 sentinels)', () => {
  let setup: RedisSentinelSetup | undefined;
  let close: (() => Promise<void>) | undefined;
  afterAll(async () => {
    await close?.();
    await setup?.stop();
  });

  it(`${N} deliveries through two listeners and three schedulers while the primary is SIGKILLed: every 202 has exactly its PipelineRuns`, {
    timeout: 120_000 + N * 100,
  }, async () => {
    const s = await startRedisSentinel();
    setup = s;
    let promotedAfterMs = 0;
    const run = await runThroughFailover({
      label: 'sentinel failover',
      n: N,
      topologyEnv: { REDIS_SENTINELS: s.addresses, REDIS_SENTINEL_NAME: s.name },
      failAt: Math.floor(N / 3),
      // Three status watchers see every transition; each is announced once.
      schedulers: 3,
      async fail({ mark }) {
        const old = s.servers[0];
        if (!old) throw new Error('no primary');
        mark();
        const killedAt = Date.now();
        await old.kill();
        // The old primary comes back (as its pod would) only after the promotion: with no
        // persistence, returning first would hand the sentinels an empty primary. Until it is a
        // replica again the new primary has none, and WAIT 1 answers 503.
        await until(
          'a promotion',
          async () => (await s.primaryPort().catch(() => old.port)) !== old.port,
          30_000,
        );
        promotedAfterMs = Date.now() - killedAt;
        await old.restart();
      },
    });
    close = run.close;
    const promoted = await s.primaryPort();
    console.log(
      `sentinel failover: primary ${s.servers[0]?.port} killed, ${promoted} promoted after ${promotedAfterMs} ms; first 202 again ${run.figures.recoveryMs} ms after the kill`,
    );
    expect(promoted).toBe(s.servers[1]?.port);
    expectNothingLostOrTwice(run.figures, N);
    // While no primary answered, the listeners said so to their load balancer.
    expect(run.figures.readyzUnavailable).toBeGreaterThan(0);
  });
});
