/** A bound on work in flight, shared by every job of one worker. */
export interface CreateSlots {
  /** Runs `task` once a slot is free, and frees it when the task settles. */
  run<T>(task: () => Promise<T>): Promise<T>;
}

/**
 * At most `size` tasks at once, the rest waiting in arrival order: one runs job can carry a
 * delivery's dozens of objects, and the worker runs several jobs at once, so the creates in flight
 * against the API server are bounded here rather than by the number of jobs.
 */
export function createSlots(size: number): CreateSlots {
  let busy = 0;
  const waiting: Array<() => void> = [];
  return {
    async run(task) {
      if (busy >= size) await new Promise<void>((resolve) => waiting.push(resolve));
      else busy++;
      try {
        return await task();
      } finally {
        // The slot passes straight to the next waiter, so `busy` only drops when nobody waits.
        const next = waiting.shift();
        if (next) next();
        else busy--;
      }
    },
  };
}
