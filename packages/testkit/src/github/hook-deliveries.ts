import { perPage } from './paginate.ts';
import { notFound, send, sendError } from './respond.ts';
import type { RestContext, RestRoute } from './rest-route.ts';

/** One webhook delivery as GitHub's "list deliveries for a repository webhook" returns it. */
export interface FakeHookDelivery {
  id: number;
  guid: string;
  delivered_at: string;
  redelivery: boolean;
  duration: number;
  status: string;
  status_code: number;
  event: string;
  action: string | null;
  installation_id: number | null;
  repository_id: number | null;
  /**
   * What was sent (GitHub shows it per delivery): with it and a hook URL in `hooks`, asking for a
   * redelivery really POSTs these bytes and headers again. Not part of the list response.
   */
  request?: { headers: Record<string, string>; payload: string };
}

/** The webhooks' state a test sets up and reads back. */
export interface HookState {
  /** `owner/repo/hookId` → deliveries, newest first (as GitHub lists them). */
  readonly hookDeliveries: Map<string, FakeHookDelivery[]>;
  /** `owner/repo/hookId` → the hook's configured URL, where redeliveries are POSTed. */
  readonly hooks: Map<string, { url: string }>;
  /** Redelivery attempts asked for: `owner/repo/hookId/deliveryId`. */
  readonly redeliveries: string[];
  /** Redeliveries being sent. */
  readonly pending: Set<Promise<void>>;
}

const listed = (d: FakeHookDelivery) => {
  const { request: _request, ...item } = d;
  return item;
};

/** Deliveries are paged by an opaque `cursor`, not by page number, as GitHub does. */
function cursorPage(ctx: RestContext, items: FakeHookDelivery[]) {
  const size = perPage(ctx.url);
  const cursor = ctx.url.searchParams.get('cursor');
  const start = cursor ? items.findIndex((d) => `v1_${d.id}` === cursor) : 0;
  if (start < 0) return sendError(ctx.res, 422, 'Invalid cursor');
  const next = items[start + size];
  const headers: Record<string, string> = next
    ? { link: `<${ctx.base}${ctx.url.pathname}?per_page=${size}&cursor=v1_${next.id}>; rel="next"` }
    : {};
  send(ctx.res, 200, items.slice(start, start + size).map(listed), headers);
}

/** Sends the delivery again and lists the attempt first, with its outcome as GitHub words it. */
async function redeliver(list: FakeHookDelivery[], original: FakeHookDelivery, hook: { url: string }) {
  const started = Date.now();
  let statusCode = 0;
  let status = 'timed out';
  try {
    const answer = await fetch(hook.url, {
      method: 'POST',
      headers: { ...original.request?.headers, 'x-github-delivery': original.guid },
      body: original.request?.payload ?? '',
      signal: AbortSignal.timeout(10_000),
    });
    await answer.arrayBuffer();
    statusCode = answer.status;
    status = answer.ok ? 'OK' : `Invalid HTTP Response: ${answer.status}`;
  } catch {
    // Connection refused or timed out: GitHub lists status_code 0.
  }
  list.unshift({
    ...original,
    id: Math.max(...list.map((d) => d.id)) + 1,
    delivered_at: new Date().toISOString(),
    redelivery: true,
    duration: (Date.now() - started) / 1000,
    status,
    status_code: statusCode,
  });
}

/**
 * Hook deliveries: listed newest first by cursor, and a redelivery answered 202 and then — as on
 * GitHub — sent again in the background with the same GUID, the attempt listed first
 * (`redelivery: true`, its status code, `OK` or `Invalid HTTP Response: <code>`).
 */
export function hookDeliveryRoutes(state: HookState): RestRoute[] {
  return [
    {
      method: 'GET',
      pattern: /^\/repos\/([^/]+)\/([^/]+)\/hooks\/(\d+)\/deliveries$/,
      handle: (ctx, [owner, repo, hook]) => {
        const list = state.hookDeliveries.get(`${owner}/${repo}/${hook}`);
        if (!list) return notFound(ctx.res);
        cursorPage(ctx, list);
      },
    },
    {
      method: 'POST',
      pattern: /^\/repos\/([^/]+)\/([^/]+)\/hooks\/(\d+)\/deliveries\/(\d+)\/attempts$/,
      handle: (ctx, [owner, repo, hookId, deliveryId]) => {
        const key = `${owner}/${repo}/${hookId}`;
        const list = state.hookDeliveries.get(key);
        const original = list?.find((d) => d.id === Number(deliveryId));
        if (!list || !original) return notFound(ctx.res);
        state.redeliveries.push(`${key}/${deliveryId}`);
        const hook = state.hooks.get(key);
        if (hook && original.request) {
          const sending = redeliver(list, original, hook).finally(() => state.pending.delete(sending));
          state.pending.add(sending);
        }
        send(ctx.res, 202, {});
      },
    },
  ];
}
