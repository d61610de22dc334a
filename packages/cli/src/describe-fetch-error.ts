const reasons: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
};

/**
 * One line for a request that got no answer, e.g. `cannot reach the event-listener at
 * http://127.0.0.1:9090: connection refused`. Node's fetch rejects with a bare "fetch failed";
 * the reason is in its `cause` (or an AbortSignal timeout's name, for the caller's `timeoutMs`).
 */
export function describeFetchError(base: string, err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError')
    return `cannot reach the event-listener at ${base}: no answer within ${timeoutMs / 1000} s`;
  const code = e?.cause?.code;
  const reason = (code && reasons[code]) ?? e?.cause?.message ?? e?.message ?? String(err);
  return `cannot reach the event-listener at ${base}: ${reason}`;
}
