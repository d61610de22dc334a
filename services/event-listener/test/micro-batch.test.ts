import { describe, expect, it } from 'vitest';
import { microBatch } from '../src/micro-batch.ts';

/** A `run` that records its batches and answers each item doubled, after `ms`. */
function recorder(ms = 5, fail: (items: readonly number[]) => boolean = () => false) {
  const batches: number[][] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const run = async (items: readonly number[]) => {
    batches.push([...items]);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await new Promise((r) => setTimeout(r, ms));
    inFlight--;
    if (fail(items)) throw new Error(`batch ${items.join(',')} failed`);
    return items.map((i) => i * 2);
  };
  return { run, batches, maxInFlight: () => maxInFlight };
}

describe('microBatch', () => {
  it('answers calls made in one turn of the event loop with one run, each caller its own result', async () => {
    const r = recorder();
    const call = microBatch(r.run);
    expect(await Promise.all([1, 2, 3].map(call))).toEqual([2, 4, 6]);
    expect(r.batches).toEqual([[1, 2, 3]]);
  });

  it('keeps one batch in flight and collects the calls made meanwhile into the next', async () => {
    const r = recorder(20);
    const call = microBatch(r.run);
    const first = call(1);
    await new Promise((z) => setTimeout(z, 5)); // batch [1] is now in flight
    const later = [2, 3, 4].map(call);
    expect(await Promise.all([first, ...later])).toEqual([2, 4, 6, 8]);
    expect(r.batches).toEqual([[1], [2, 3, 4]]);
    expect(r.maxInFlight()).toBe(1);
  });

  it('runs up to maxInFlight batches at once', async () => {
    const r = recorder(20);
    const call = microBatch(r.run, { maxInFlight: 2 });
    const first = call(1);
    await new Promise((z) => setTimeout(z, 5));
    const second = call(2);
    await new Promise((z) => setTimeout(z, 5));
    const rest = [3, 4].map(call);
    expect(await Promise.all([first, second, ...rest])).toEqual([2, 4, 6, 8]);
    expect(r.batches).toEqual([[1], [2], [3, 4]]);
    expect(r.maxInFlight()).toBe(2);
  });

  it('splits at maxBatch', async () => {
    const r = recorder(1);
    const call = microBatch(r.run, { maxBatch: 2 });
    expect(await Promise.all([1, 2, 3, 4, 5].map(call))).toEqual([2, 4, 6, 8, 10]);
    expect(r.batches).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('isolates a failing item: the batch is retried item by item and only that caller gets the error', async () => {
    const r = recorder(1, (items) => items.includes(13));
    const call = microBatch(r.run);
    const results = await Promise.allSettled([12, 13, 14].map(call));
    expect(results).toEqual([
      { status: 'fulfilled', value: 24 },
      { status: 'rejected', reason: new Error('batch 13 failed') },
      { status: 'fulfilled', value: 28 },
    ]);
    expect(r.batches).toEqual([[12, 13, 14], [12], [13], [14]]);
  });

  it('rejects every caller when nothing can be stored, and serves the next calls afterwards', async () => {
    let down = true;
    const r = recorder(1, () => down);
    const call = microBatch(r.run);
    const results = await Promise.allSettled([1, 2].map(call));
    expect(results.map((x) => x.status)).toEqual(['rejected', 'rejected']);
    down = false;
    expect(await call(3)).toBe(6);
  });
});
