import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Concurrency } from '@signalbox/contracts';
import { createLogger, createRedis } from '@signalbox/runtime';
import { redisForTest } from '@signalbox/testkit';
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ConcurrencyGroups } from '../src/concurrency-groups.ts';
import { createRun } from '../src/create-run.ts';
import { dryRunBackend } from '../src/dry-run-backend.ts';
import { startDryRunReleaser } from '../src/dry-run-releaser.ts';
import { runJob } from './run-scheduler-helpers.ts';

const { url, prefix } = redisForTest(import.meta.url);
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

let n = 0;
function setup() {
  const out = mkdtempSync(join(tmpdir(), 'sb-dry-groups-'));
  const redis: Redis = createRedis(url, { forWorker: true });
  const backend = dryRunBackend(out);
  const logger = createLogger({ level: 'silent' });
  const groups = new ConcurrencyGroups({ redis, backend, prefix: `${prefix}-${++n}`, logger });
  cleanups.push(() => {
    redis.disconnect();
    rmSync(out, { recursive: true, force: true });
  });
  const written = () => readdirSync(join(out, 'ci')).filter((f) => f.endsWith('.yaml'));
  const specStatus = (name: string) =>
    (parse(readFileSync(join(out, 'ci', `${name}.yaml`), 'utf8')) as { spec: { status?: string } }).spec
      .status;
  const create = (i: number, concurrency: Concurrency) =>
    createRun(runJob(i, { concurrency }), { backend, groups }, 1_000 + i);
  return { out, backend, groups, logger, written, specStatus, create };
}

async function until(predicate: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('concurrency groups on the dry-run backend (npm start shows what a cluster would do)', () => {
  it('queue: a queued run is written only when its slot frees (the running one deleted or finished)', async () => {
    const { out, backend, groups, logger, written, create } = setup();
    const queue: Concurrency = { group: 'org/app-main', limit: 1, policy: 'queue' };
    const first = await create(1, queue);
    const second = await create(2, queue);
    const third = await create(3, queue);
    expect([first.pending, second.pending, third.pending]).toEqual([false, true, true]);
    expect(written()).toEqual([`${first.name}.yaml`]);
    expect(readdirSync(join(out, 'ci', '.queued')).sort()).toEqual(
      [`${second.name}.yaml`, `${third.name}.yaml`].sort(),
    );
    // A repeat of a queued job is still the same (queued) run.
    expect((await create(2, queue)).created).toBe(false);

    const stop = startDryRunReleaser({ backend, groups, logger, intervalMs: 20 });
    cleanups.push(stop);
    // Deleting the running run's file is `kubectl delete`: the oldest queued run is written.
    rmSync(join(out, 'ci', `${first.name}.yaml`));
    // A release writes the run's new file, then removes its queued one (never the other way
    // round, so a crash cannot lose it): wait for both steps.
    const isReleased = (name: string) =>
      written().includes(`${name}.yaml`) && !existsSync(join(out, 'ci', '.queued', `${name}.yaml`));
    await until(() => isReleased(second.name), 'the second run written');
    expect(written()).toEqual([`${second.name}.yaml`]);
    const released = parse(readFileSync(join(out, 'ci', `${second.name}.yaml`), 'utf8'));
    expect(released.spec.status).toBeUndefined();
    // Giving it a finished status frees the slot as well.
    writeFileSync(
      join(out, 'ci', `${second.name}.yaml`),
      stringify({
        ...released,
        status: { conditions: [{ type: 'Succeeded', status: 'True', reason: 'Succeeded' }] },
      }),
    );
    await until(() => isReleased(third.name), 'the third run written');
    expect(readdirSync(join(out, 'ci', '.queued'))).toEqual([]);
  });

  it('cancel-in-progress: the superseded run file gets CancelledRunFinally', async () => {
    const { written, specStatus, create } = setup();
    const cancel: Concurrency = { group: 'org/app-develop', limit: 1, policy: 'cancel-in-progress' };
    const first = await create(1, cancel);
    const second = await create(2, cancel);
    expect(second.cancelled).toEqual([first.name]);
    expect(written().sort()).toEqual([`${first.name}.yaml`, `${second.name}.yaml`].sort());
    expect(specStatus(first.name)).toBe('CancelledRunFinally');
    expect(specStatus(second.name)).toBeUndefined();
  });
});
