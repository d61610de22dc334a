/** Bytes of request bodies held in memory at once, across connections, and the readers holding them. */
export interface BodyBudget {
  /** Takes `bytes` from the budget; false (nothing taken) when that would exceed it. */
  reserve(bytes: number): boolean;
  release(bytes: number): void;
  /** Bytes held now. */
  held(): number;
  /** Registers a body still arriving; `cut` ends it. Returns the unregister function. */
  track(cut: () => void): () => void;
  /** Cuts every body still arriving (shutdown); returns how many. */
  cutAll(): number;
}

/**
 * The listener's memory bound: a body is read only while the bytes of all bodies being read or
 * processed stay under `maxBytes`; beyond it a sender gets 503 and `Retry-After`, which both GitHub
 * (redeliver) and Harbor (retries) handle. Without it, ten 24 MiB bodies with made-up signatures
 * were all in memory at once, since a signature is only known wrong at the body's last byte.
 */
export function createBodyBudget(maxBytes: number): BodyBudget {
  let held = 0;
  const arriving = new Set<() => void>();
  return {
    reserve(bytes) {
      if (held + bytes > maxBytes) return false;
      held += bytes;
      return true;
    },
    release(bytes) {
      held = Math.max(0, held - bytes);
    },
    held: () => held,
    track(cut) {
      arriving.add(cut);
      return () => arriving.delete(cut);
    },
    cutAll() {
      const cuts = [...arriving];
      arriving.clear();
      for (const cut of cuts) cut();
      return cuts.length;
    },
  };
}
