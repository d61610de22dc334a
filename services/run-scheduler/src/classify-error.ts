import { ApiException } from '@kubernetes/client-node';

/** What to do about a failed API call, decided in this one place. */
export interface Classified {
  readonly permanent: boolean;
  /** HTTP status, when the API answered. */
  readonly status?: number;
  /** The API's own message (Status.message), or the transport error. */
  readonly message: string;
  /** From Retry-After (429/503) or Status.details.retryAfterSeconds. */
  readonly retryAfterMs?: number;
}

function statusMessage(body: unknown): { message?: string; retryAfterSeconds?: number; reason?: string } {
  if (typeof body !== 'string') return {};
  try {
    const parsed = JSON.parse(body) as {
      message?: string;
      reason?: string;
      details?: { retryAfterSeconds?: number };
    };
    return {
      ...(parsed.message ? { message: parsed.message } : {}),
      ...(parsed.reason ? { reason: parsed.reason } : {}),
      ...(parsed.details?.retryAfterSeconds ? { retryAfterSeconds: parsed.details.retryAfterSeconds } : {}),
    };
  } catch {
    // Overload 429s are plain text, not a Status.
    return { message: body.trim() };
  }
}

/**
 * Kubernetes API failures: 400 (Tekton's admission webhook), 403, 404 (namespace or CRD
 * missing), 422 (validation) cannot succeed on retry → permanent. 429 (honouring Retry-After),
 * 5xx, 408, 409 generateName collisions, 401 (a rotated token may come back), timeouts and
 * dropped connections → transient. client-node 2.x reports a dropped connection as a TypeError
 * without `code`, so anything that is not an ApiException is transport trouble → transient.
 */
export function classifyKubeError(err: unknown): Classified {
  if (err instanceof ApiException) {
    const code = err.code;
    const { message, retryAfterSeconds } = statusMessage(err.body);
    const header = Number(err.headers?.['retry-after']);
    const retryAfter = Number.isFinite(header) && header > 0 ? header : retryAfterSeconds;
    const text = message ?? `HTTP ${code}`;
    const permanent =
      code === 400 || code === 403 || code === 404 || code === 405 || code === 415 || code === 422;
    return {
      permanent,
      status: code,
      message: text,
      ...(retryAfter ? { retryAfterMs: retryAfter * 1000 } : {}),
    };
  }
  const e = err as {
    name?: string;
    message?: string;
    code?: string;
    cause?: { code?: string; message?: string };
  };
  return {
    permanent: false,
    message: [e?.name, e?.code ?? e?.cause?.code, e?.message ?? String(err)].filter(Boolean).join(': '),
  };
}
