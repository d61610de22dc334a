import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

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

export interface GitHubFake {
  readonly url: string;
  /** `owner/repo#number` → file names of the pull request. */
  readonly pullFiles: Map<string, string[]>;
  /** `owner/repo/hookId` → deliveries, newest first (as GitHub lists them). */
  readonly hookDeliveries: Map<string, FakeHookDelivery[]>;
  /** `owner/repo/hookId` → the hook's configured URL, where redeliveries are POSTed. */
  readonly hooks: Map<string, { url: string }>;
  /** Redelivery attempts asked for: `owner/repo/hookId/deliveryId`. */
  readonly redeliveries: string[];
  /** Resolves once every redelivery asked for so far has been sent and its outcome listed. */
  settled(): Promise<void>;
  /** Every request: method, path (with query), and the Authorization header. */
  readonly requests: { method: string; path: string; authorization: string | undefined }[];
  close(): Promise<void>;
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res
    .writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers })
    .end(JSON.stringify(body));
}

/**
 * A GitHub REST fake for the calls Signalbox makes, with GitHub's rules: tokens required
 * (401 `Bad credentials` otherwise), `per_page` capped at 100, RFC 5988 `Link` pagination (by
 * page for lists, by opaque `cursor` for hook deliveries, as GitHub does), 404 `Not Found` bodies
 * with `documentation_url`, and 202 for a redelivery attempt — after which, as on GitHub, the
 * delivery is sent again in the background with the same GUID and the attempt is listed first
 * (`redelivery: true`, its status code, `OK` or `Invalid HTTP Response: <code>`).
 */
export async function startGitHubFake(options: { token?: string } = {}): Promise<GitHubFake> {
  const token = options.token ?? 'ghp_test';
  const pullFiles = new Map<string, string[]>();
  const hookDeliveries = new Map<string, FakeHookDelivery[]>();
  const hooks = new Map<string, { url: string }>();
  const redeliveries: string[] = [];
  const requests: GitHubFake['requests'] = [];
  const pending = new Set<Promise<void>>();
  let base = '';

  const listed = (d: FakeHookDelivery) => {
    const { request: _request, ...item } = d;
    return item;
  };

  const cursorPage = (req: IncomingMessage, res: ServerResponse, path: string, items: FakeHookDelivery[]) => {
    const url = new URL(req.url ?? '/', base);
    const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get('per_page') ?? '30')));
    const cursor = url.searchParams.get('cursor');
    const start = cursor ? items.findIndex((d) => `v1_${d.id}` === cursor) : 0;
    if (start < 0)
      return send(res, 422, {
        message: 'Invalid cursor',
        documentation_url: 'https://docs.github.com/rest',
        status: '422',
      });
    const slice = items.slice(start, start + perPage);
    const next = items[start + perPage];
    const headers: Record<string, string> = next
      ? { link: `<${base}${path}?per_page=${perPage}&cursor=v1_${next.id}>; rel="next"` }
      : {};
    send(res, 200, slice.map(listed), headers);
  };

  const redeliver = async (list: FakeHookDelivery[], original: FakeHookDelivery, hook: { url: string }) => {
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
  };

  const page = <T>(req: IncomingMessage, res: ServerResponse, path: string, items: T[]) => {
    const url = new URL(req.url ?? '/', base);
    const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get('per_page') ?? '30')));
    const pageNo = Math.max(1, Number(url.searchParams.get('page') ?? '1'));
    const slice = items.slice((pageNo - 1) * perPage, pageNo * perPage);
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const links: string[] = [];
    if (pageNo < last) {
      links.push(`<${base}${path}?per_page=${perPage}&page=${pageNo + 1}>; rel="next"`);
      links.push(`<${base}${path}?per_page=${perPage}&page=${last}>; rel="last"`);
    }
    send(res, 200, slice, links.length > 0 ? { link: links.join(', ') } : {});
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    requests.push({
      method: req.method ?? 'GET',
      path: `${url.pathname}${url.search}`,
      authorization: req.headers.authorization,
    });
    req.resume();
    if (req.headers.authorization !== `token ${token}` && req.headers.authorization !== `Bearer ${token}`) {
      return send(res, 401, {
        message: 'Bad credentials',
        documentation_url: 'https://docs.github.com/rest',
        status: '401',
      });
    }
    const notFound = () =>
      send(res, 404, {
        message: 'Not Found',
        documentation_url: 'https://docs.github.com/rest',
        status: '404',
      });
    let m = /^\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)\/files$/.exec(url.pathname);
    if (m && req.method === 'GET') {
      const files = pullFiles.get(`${m[1]}/${m[2]}#${m[3]}`);
      if (!files) return notFound();
      return page(
        req,
        res,
        url.pathname,
        files.map((filename, i) => ({ sha: String(i), filename, status: 'modified' })),
      );
    }
    m = /^\/repos\/([^/]+)\/([^/]+)\/hooks\/(\d+)\/deliveries$/.exec(url.pathname);
    if (m && req.method === 'GET') {
      const list = hookDeliveries.get(`${m[1]}/${m[2]}/${m[3]}`);
      if (!list) return notFound();
      return cursorPage(req, res, url.pathname, list);
    }
    m = /^\/repos\/([^/]+)\/([^/]+)\/hooks\/(\d+)\/deliveries\/(\d+)\/attempts$/.exec(url.pathname);
    if (m && req.method === 'POST') {
      const key = `${m[1]}/${m[2]}/${m[3]}`;
      const list = hookDeliveries.get(key);
      const original = list?.find((d) => d.id === Number(m?.[4]));
      if (!list || !original) return notFound();
      redeliveries.push(`${key}/${m[4]}`);
      const hook = hooks.get(key);
      if (hook && original.request) {
        const sending = redeliver(list, original, hook).finally(() => pending.delete(sending));
        pending.add(sending);
      }
      return send(res, 202, {});
    }
    notFound();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    url: base,
    pullFiles,
    hookDeliveries,
    hooks,
    redeliveries,
    requests,
    settled: async () => {
      while (pending.size > 0) await Promise.all([...pending]);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
