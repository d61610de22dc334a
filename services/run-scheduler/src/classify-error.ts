// The class itself, from its own module: the package's index would load all of client-node (~80 MB
// of RSS) into every scheduler, the dry-run one too, only for this `instanceof`. The index
// re-exports this very module, so it is the same class client-node throws.
import { ApiException } from '@kubernetes/client-node/dist/gen/apis/exception.js';

/** What to do about a failed API call, decided in this one place. */
export interface Classified {
  readonly permanent: boolean;
  /** HTTP status, when the API answered. */
  readonly status?: number;
  /** The API's own message (Status.message), or the transport error. */
  readonly message: string;
  /** From Retry-After (seconds or an HTTP date) or Status.details.retryAfterSeconds. */
  readonly retryAfterMs?: number;
}

/**
 * Statuses a retry cannot fix: 400 (Tekton's admission webhook, a malformed body), 403 (RBAC),
 * 404 (namespace or CRD missing), 405, 413 (object too large), 415, 422 (apiserver validation).
 */
const permanentStatuses = new Set([400, 403, 404, 405, 413, 415, 422]);

/** Node/undici codes of a connection that failed or broke: the request may be repeated. */
const transportCodes =
  /^(ECONNRESET|ECONNREFUSED|ECONNABORTED|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|UND_ERR_\w+)$/;

function parseStatus(body: unknown): { message?: string; retryAfterSeconds?: number } {
  if (typeof body !== 'string' || body.trim() === '') return {};
  try {
    const parsed = JSON.parse(body) as { message?: unknown; details?: { retryAfterSeconds?: unknown } };
    const seconds = Number(parsed.details?.retryAfterSeconds);
    return {
      ...(typeof parsed.message === 'string' && parsed.message ? { message: parsed.message } : {}),
      ...(seconds > 0 ? { retryAfterSeconds: seconds } : {}),
    };
  } catch {
    // The apiserver's overload 429 is plain text, not a Status.
    return { message: body.trim() };
  }
}

/** Retry-After is delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
function retryAfterMs(header: string | undefined, now: number): number | undefined {
  if (!header) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) > 0 ? Number(text) * 1000 : undefined;
  const at = Date.parse(text);
  return Number.isFinite(at) && at > now ? at - now : undefined;
}

function codeOf(err: { code?: unknown; cause?: unknown }): string | undefined {
  if (typeof err.code === 'string') return err.code;
  const cause = err.cause as { code?: unknown; cause?: unknown } | undefined;
  return cause && typeof cause === 'object' ? codeOf(cause) : undefined;
}

/**
 * Kubernetes API failures → permanent (dead-letter at once) or transient (retry with backoff).
 * 429 (Retry-After honoured), 5xx, 408, 401 (a rotated service-account token is re-read), a 409
 * that is not AlreadyExists, timeouts and broken connections are transient. client-node 2.x
 * reports a dropped connection as a `TypeError` ("fetch failed", "terminated") whose `code`
 * sits on `cause`, if anywhere, so transport errors are recognised by name, message and cause
 * code; a watch refused by the API carries its status as `statusCode`. A kind the API does not serve (discovery finds no such resource: the CRD is missing) is
 * permanent. Anything else unknown is retried: the attempt budget bounds it and the job then
 * lands in the dead letters, where nothing is lost.
 */
export function classifyKubeError(err: unknown, now = Date.now()): Classified {
  if (err instanceof ApiException) {
    const code = err.code;
    const parsed = parseStatus(err.body);
    const headers = (err.headers ?? {}) as Record<string, string | undefined>;
    const after = retryAfterMs(headers['retry-after'], now);
    const waitMs = after ?? (parsed.retryAfterSeconds ? parsed.retryAfterSeconds * 1000 : undefined);
    let message = parsed.message ?? `HTTP ${code}`;
    // client-node prefixes discovery failures; the Status alone ("the server could not find the
    // requested resource") would not say that the kind itself is missing.
    const discovery = /^Failed to fetch resource metadata for (\S+?):/.exec(err.message);
    if (discovery && code === 404)
      message = `${discovery[1]} is not served by the API (is its CRD installed?): ${message}`;
    return {
      permanent: permanentStatuses.has(code),
      status: code,
      message,
      ...(waitMs ? { retryAfterMs: waitMs } : {}),
    };
  }
  const e = (err ?? {}) as {
    name?: unknown;
    message?: unknown;
    code?: unknown;
    cause?: unknown;
    statusCode?: unknown;
  };
  // client-node's Watch reports a refused watch (403, 410 Gone) as an Error with `statusCode`.
  if (typeof e.statusCode === 'number') {
    const text = typeof e.message === 'string' && e.message ? e.message : `HTTP ${e.statusCode}`;
    return { permanent: permanentStatuses.has(e.statusCode), status: e.statusCode, message: text };
  }
  const name = typeof e.name === 'string' ? e.name : 'Error';
  const text = typeof e.message === 'string' ? e.message : String(err);
  const code = codeOf(e);
  const cause = e.cause instanceof Error ? e.cause.message : undefined;
  const detail = [code, cause].filter(Boolean).join(': ');
  const message = `${name}: ${text}${detail ? ` (${detail})` : ''}`;
  if (/^Unrecognized API version and kind/.test(text)) {
    return { permanent: true, message: `${text} (the API does not serve this kind: is its CRD installed?)` };
  }
  const transport =
    name === 'TimeoutError' ||
    name === 'AbortError' ||
    (code !== undefined && transportCodes.test(code)) ||
    (name === 'TypeError' && /fetch failed|terminated|socket|network/i.test(text));
  return { permanent: false, message: transport ? message : `unexpected: ${message}` };
}
