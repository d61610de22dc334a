/** What to do about a failed Slack call, decided here and nowhere else. */
export type SlackFailure =
  | { readonly kind: 'permanent'; readonly code: string; readonly message: string }
  | { readonly kind: 'rate_limited'; readonly retryAfterMs: number; readonly message: string }
  | { readonly kind: 'transient'; readonly message: string };

/**
 * Slack errors a retry cannot fix: auth, scope, channel, and content errors
 * (../shared/reference/protocols.md §3.4). Anything else unknown is retried within the attempt budget.
 */
const permanentErrors = new Set([
  'invalid_auth',
  'not_authed',
  'token_revoked',
  'token_expired',
  'account_inactive',
  'missing_scope',
  'no_permission',
  'team_access_not_granted',
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'msg_too_long',
  'no_text',
  'invalid_blocks',
  'msg_blocks_too_long',
  'too_many_attachments',
  'invalid_metadata_format',
  'invalid_arguments',
  'message_not_found',
  'cant_update_message',
  'edit_window_closed',
  'thread_not_found',
]);

/** Incoming-webhook statuses a retry cannot fix (invalid_payload, invalid_token, no_service, channel_is_archived, …). */
const permanentHookStatuses = new Set([400, 401, 403, 404, 410]);

/**
 * Classifies an error from `@slack/web-api` (configured with `rejectRateLimitedCalls`) or
 * `@slack/webhook`. A 429 carries its Retry-After: the web client's `retryAfter` (seconds); for a
 * webhook, `retryAfterSec` as read from the response by the transport's fetch.
 */
export function classifySlackError(err: unknown, hookRetryAfterSec?: number): SlackFailure {
  const e = (err ?? {}) as {
    code?: unknown;
    data?: { error?: unknown };
    retryAfter?: unknown;
    statusCode?: unknown;
    body?: unknown;
    message?: unknown;
  };
  const message = typeof e.message === 'string' ? e.message : String(err);
  if (e.code === 'slack_webapi_platform_error') {
    const code = String(e.data?.error ?? 'unknown_error');
    if (permanentErrors.has(code) || code.startsWith('restricted_action'))
      return { kind: 'permanent', code, message: `Slack: ${code}` };
    if (code === 'ratelimited') return { kind: 'rate_limited', retryAfterMs: 1_000, message };
    return { kind: 'transient', message: `Slack: ${code}` };
  }
  if (e.code === 'slack_webapi_rate_limited_error') {
    return { kind: 'rate_limited', retryAfterMs: Math.max(1, Number(e.retryAfter) || 1) * 1000, message };
  }
  if (e.code === 'slack_webapi_http_error') {
    const status = Number(e.statusCode);
    if (status >= 400 && status < 500 && status !== 408)
      return { kind: 'permanent', code: `http_${status}`, message };
    return { kind: 'transient', message: `Slack HTTP ${status}` };
  }
  if (e.code === 'slack_webhook_http_error') {
    const status = Number(e.statusCode);
    const body = typeof e.body === 'string' ? e.body : '';
    if (status === 429)
      return { kind: 'rate_limited', retryAfterMs: Math.max(1, hookRetryAfterSec ?? 1) * 1000, message };
    if (permanentHookStatuses.has(status))
      return {
        kind: 'permanent',
        code: body || `http_${status}`,
        message: `Slack webhook ${status}: ${body}`,
      };
    return { kind: 'transient', message: `Slack webhook ${status}: ${body}` };
  }
  return { kind: 'transient', message };
}
