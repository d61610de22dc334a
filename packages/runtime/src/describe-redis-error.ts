const reasons: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found (DNS lookup failed)',
  ETIMEDOUT: 'connection timed out',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

/** `host:port` of a Redis URL, without user or password. */
function where(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || '6379'}`;
  } catch {
    return url;
  }
}

/**
 * One line a person can act on for a Redis that cannot be used, e.g.
 * `cannot reach Redis at 127.0.0.1:6399: connection refused`. ioredis reports a refused connect as
 * an Error with a `code`; a wrong password or a timeout only in the message, so both are read.
 */
export function describeRedisError(url: string, err: unknown): string {
  const e = err as { code?: unknown; message?: unknown } | undefined;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const message = typeof e?.message === 'string' ? e.message : String(err);
  const known = (code && reasons[code]) ?? Object.entries(reasons).find(([c]) => message.includes(c))?.[1];
  if (known) return `cannot reach Redis at ${where(url)}: ${known}`;
  if (/NOAUTH|WRONGPASS|invalid password|invalid username/i.test(message))
    return `Redis at ${where(url)} refused the credentials of REDIS_URL: ${message}`;
  if (/timeout/i.test(message)) return `cannot reach Redis at ${where(url)}: connection timed out`;
  return `cannot reach Redis at ${where(url)}: ${message}`;
}
