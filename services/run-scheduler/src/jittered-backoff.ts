/**
 * Exponential backoff with equal jitter: the delay before retry `attempt` (counted from 1) is
 * between half and all of min(maxMs, baseMs · 2^(attempt − 1)), so clients that failed together
 * (every replica when the apiserver restarts) do not come back in step.
 */
export function jitteredBackoff(attempt: number, baseMs: number, maxMs: number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}
