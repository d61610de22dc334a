import { createServer } from 'node:http';
import type { Registry } from 'prom-client';

export interface HealthCheck {
  readonly name: string;
  check(): boolean | Promise<boolean>;
}

/**
 * The small HTTP server of the worker services: `/healthz` (the process answers), `/readyz` (200
 * only when every check passes; the body names each), `/metrics` (Prometheus text).
 */
export async function startHealthServer(options: {
  port: number;
  host?: string;
  checks: readonly HealthCheck[];
  registry?: Registry;
}): Promise<{ port: number; close(): Promise<void> }> {
  const server = createServer(async (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
    };
    try {
      if (path === '/healthz') return send(200, 'application/json', '{"status":"ok"}');
      if (path === '/readyz') {
        const results: Record<string, boolean> = {};
        for (const c of options.checks) results[c.name] = await Promise.resolve(c.check()).catch(() => false);
        const ready = Object.values(results).every(Boolean);
        return send(ready ? 200 : 503, 'application/json', JSON.stringify({ ready, checks: results }));
      }
      if (path === '/metrics' && options.registry) {
        return send(200, options.registry.contentType, await options.registry.metrics());
      }
      send(404, 'application/json', JSON.stringify({ error: 'not_found', message: `no route ${path}` }));
    } catch (err) {
      send(500, 'application/json', JSON.stringify({ error: 'internal', message: (err as Error).message }));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : options.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
