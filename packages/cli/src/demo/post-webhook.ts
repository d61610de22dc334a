import { createHmac, randomUUID } from 'node:crypto';
import { describeFetchError } from '../describe-fetch-error.ts';

/** The listener's 202 body (DESIGN §Interfaces). */
export interface WebhookAnswer {
  readonly eventID: string;
  readonly triggers: readonly {
    name: string;
    fired: boolean;
    reason?: string;
    resources?: readonly { kind?: string; name?: string; namespace?: string }[];
  }[];
}

/**
 * Sends one signed webhook as its sender would: GitHub with `X-Hub-Signature-256` over the exact
 * bytes and a fresh `X-GitHub-Delivery`, Harbor with its `Authorization` header. Anything but a
 * 202 is an error naming the status and the listener's message.
 */
export async function postWebhook(
  base: string,
  listener: string,
  body: unknown,
  auth: { github: { secret: string; event: string } } | { harbor: { authorization: string } },
): Promise<WebhookAnswer> {
  const raw = JSON.stringify(body);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if ('github' in auth) {
    headers['x-github-event'] = auth.github.event;
    headers['x-github-delivery'] = randomUUID();
    headers['x-hub-signature-256'] =
      `sha256=${createHmac('sha256', auth.github.secret).update(raw).digest('hex')}`;
  } else {
    headers.authorization = auth.harbor.authorization;
  }
  const timeoutMs = 10_000;
  const res = await fetch(`${base}/hooks/${listener}`, {
    method: 'POST',
    headers,
    body: raw,
    signal: AbortSignal.timeout(timeoutMs),
  }).catch((err: unknown) => {
    throw new Error(
      `${describeFetchError(base, err, timeoutMs)} — start Signalbox first: npm start (in another terminal)`,
    );
  });
  const answer = (await res.json().catch(() => ({}))) as WebhookAnswer & { message?: string };
  if (res.status !== 202)
    throw new Error(`POST /hooks/${listener}: ${res.status} ${answer.message ?? ''}`.trim());
  return answer;
}
