import type { IncomingMessage } from 'node:http';

/** A Web API call as Slack reads it: its arguments and the token it carries. */
export interface SlackRequest {
  readonly params: Record<string, unknown>;
  /** From `Authorization: Bearer …`, else a `token` argument (Slack accepts both). */
  readonly token: string | undefined;
  /** The body did not parse (Slack answers `invalid_json` / `invalid_form_data`). */
  readonly invalid?: 'invalid_json' | 'invalid_form_data';
}

/** Arguments Slack decodes from JSON strings when they arrive form-encoded, as `@slack/web-api` sends them. */
const structured = new Set(['blocks', 'attachments', 'metadata']);

/**
 * Reads a Web API request the way Slack does: `application/json` bodies (with the token in the
 * header), `application/x-www-form-urlencoded` bodies (what `@slack/web-api` sends: nested values
 * as JSON strings), and query-string arguments.
 */
export async function readSlackRequest(req: IncomingMessage): Promise<SlackRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks).toString('utf8');
  const url = new URL(req.url ?? '/', 'http://slack');
  const params: Record<string, unknown> = Object.fromEntries(url.searchParams);
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  let invalid: SlackRequest['invalid'];
  if (type === 'application/json' && raw.trim() !== '') {
    try {
      const parsed = JSON.parse(raw) as unknown;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) Object.assign(params, parsed);
      else invalid = 'invalid_json';
    } catch {
      invalid = 'invalid_json';
    }
  } else if (raw !== '') {
    for (const [key, value] of new URLSearchParams(raw)) {
      if (!structured.has(key)) {
        params[key] = value;
        continue;
      }
      try {
        params[key] = JSON.parse(value);
      } catch {
        invalid = 'invalid_form_data';
      }
    }
  }
  const auth = req.headers.authorization;
  const bearer = auth?.startsWith('Bearer ') ? auth.slice('Bearer '.length).trim() : undefined;
  const token = bearer ?? (typeof params.token === 'string' ? params.token : undefined);
  return { params, token, ...(invalid ? { invalid } : {}) };
}
