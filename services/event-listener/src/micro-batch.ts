/** A function of one item whose calls are coalesced into calls of a function of many. */
export type Batched<I, O> = (item: I) => Promise<O>;

interface Pending<I, O> {
  readonly item: I;
  readonly resolve: (value: O) => void;
  readonly reject: (err: unknown) => void;
}

export interface MicroBatchOptions {
  /** Items per call of `run` at most (default 256). */
  readonly maxBatch?: number;
  /** Calls of `run` in progress at once at most (default 1); further items wait and join a batch. */
  readonly maxInFlight?: number;
  /**
   * Items waiting at most (default 10 000); beyond, new items are refused at once instead of
   * piling up in memory while Redis hangs.
   */
  readonly maxQueued?: number;
}

/**
 * Group commit: items submitted in the same turn of the event loop, or while `maxInFlight`
 * batches are in progress, go to Redis together in one call of `run` — one round trip (and one
 * socket write) for many webhook deliveries instead of one each. An item alone waits for nothing
 * but the end of the current event-loop turn.
 *
 * `run` answers item by item, in order. When it throws for a batch of several items, each item
 * is run again on its own, so one bad item fails only its own caller; when Redis is down, that
 * second try fails fast as well and every caller gets the error.
 */
export function microBatch<I, O>(
  run: (items: readonly I[]) => Promise<readonly O[]>,
  options: MicroBatchOptions = {},
): Batched<I, O> {
  const maxBatch = options.maxBatch ?? 256;
  const maxInFlight = options.maxInFlight ?? 1;
  const maxQueued = options.maxQueued ?? 10_000;
  let queue: Pending<I, O>[] = [];
  let inFlight = 0;
  let scheduled = false;

  const settle = async (batch: readonly Pending<I, O>[]): Promise<void> => {
    try {
      const out = await run(batch.map((p) => p.item));
      for (let i = 0; i < batch.length; i++) batch[i]?.resolve(out[i] as O);
    } catch (err) {
      if (batch.length === 1) batch[0]?.reject(err);
      else await Promise.all(batch.map((p) => settle([p])));
    }
  };

  const pump = () => {
    scheduled = false;
    while (queue.length > 0 && inFlight < maxInFlight) {
      const batch = queue.length <= maxBatch ? queue : queue.slice(0, maxBatch);
      queue = queue.length <= maxBatch ? [] : queue.slice(maxBatch);
      inFlight++;
      void settle(batch).then(() => {
        inFlight--;
        pump();
      });
    }
  };

  return (item) =>
    new Promise<O>((resolve, reject) => {
      if (queue.length >= maxQueued) {
        reject(new Error(`overloaded: ${queue.length} items already wait for the store`));
        return;
      }
      queue.push({ item, resolve, reject });
      if (!scheduled && inFlight < maxInFlight) {
        scheduled = true;
        // setImmediate, not a microtask: requests whose bytes arrived in the same poll phase of
        // the event loop join this batch.
        setImmediate(pump);
      }
    });
}
