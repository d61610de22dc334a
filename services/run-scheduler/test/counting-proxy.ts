import { createServer, request } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** A TCP-counting HTTP pass-through in front of the API fake: every new client connection is counted. */
export interface CountingProxy {
  /** The proxy's address (`http://127.0.0.1:<port>`). */
  readonly url: string;
  /** Client connections opened so far. */
  connections(): number;
  /** The client connections open now. */
  readonly open: ReadonlySet<Socket>;
  close(): Promise<void>;
}

/**
 * Starts the pass-through to `target`. `keepAliveTimeoutMs` sets how long the proxy keeps an idle
 * connection (Node's default otherwise); a long one leaves closing to the client, for tests that
 * watch connections close.
 */
export async function startCountingProxy(
  target: string,
  options: { keepAliveTimeoutMs?: number } = {},
): Promise<CountingProxy> {
  let connections = 0;
  const open = new Set<Socket>();
  const proxy = createServer((req, res) => {
    const to = new URL(target);
    const upstream = request(
      { host: to.hostname, port: to.port, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  if (options.keepAliveTimeoutMs !== undefined) proxy.keepAliveTimeout = options.keepAliveTimeoutMs;
  proxy.on('connection', (socket) => {
    connections++;
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    connections: () => connections,
    open,
    async close() {
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
    },
  };
}
