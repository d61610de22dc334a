import { describe, expect, it } from 'vitest';
import { createSlots } from '../src/create-slots.ts';

/** A task that runs until `finish` is called, noting when it starts. */
function gated(started: number[], i: number) {
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  return {
    task: async () => {
      started.push(i);
      await done;
      return i;
    },
    finish: () => finish(),
  };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('createSlots', () => {
  it('runs at most `size` tasks at once and starts the waiting ones in arrival order as slots free', async () => {
    const slots = createSlots(2);
    const started: number[] = [];
    const tasks = [0, 1, 2, 3, 4].map((i) => gated(started, i));
    const results = tasks.map((t) => slots.run(t.task));
    await settle();
    expect(started).toEqual([0, 1]);
    tasks[1]?.finish();
    await settle();
    expect(started).toEqual([0, 1, 2]);
    tasks[0]?.finish();
    tasks[2]?.finish();
    await settle();
    expect(started).toEqual([0, 1, 2, 3, 4]);
    tasks[3]?.finish();
    tasks[4]?.finish();
    expect(await Promise.all(results)).toEqual([0, 1, 2, 3, 4]);
  });

  it('frees the slot of a task that throws', async () => {
    const slots = createSlots(1);
    await expect(slots.run(async () => Promise.reject(new Error('refused')))).rejects.toThrow('refused');
    expect(await slots.run(async () => 'next')).toBe('next');
  });
});
