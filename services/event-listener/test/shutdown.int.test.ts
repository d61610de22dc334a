import { createHmac } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, createMetricsRegistry } from '@signalbox/runtime';
import { freePort, redisForTest } from '@signalbox/testkit';
import { describe, expect, it } from 'vitest';
import { start } from '../src/main.ts';
import { testConfig } from './build-test-listener.ts';

const { url, prefix } = redisForTest(import.meta.url);

describe('graceful shutdown', () => {
  it('stops accepting, finishes the request in flight (202), then closes', async () => {
    const root = mkdtempSync(join(tmpdir(), 'sb-stop-'));
    mkdirSync(join(root, 'config'));
    writeFileSync(join(root, 'config', 'el.yaml'), testConfig);
    mkdirSync(join(root, 'secrets', 'github'), { recursive: true });
    writeFileSync(join(root, 'secrets', 'github', 'token'), 'gh-webhook-secret');
    const port = await freePort();
    const service = await start({
      env: {
        PORT: String(port),
        HOST: '127.0.0.1',
        REDIS_URL: url,
        SIGNALBOX_QUEUE_PREFIX: prefix,
        SIGNALBOX_CONFIG: join(root, 'config'),
        SIGNALBOX_SECRETS_DIR: join(root, 'secrets'),
      },
      logger: createLogger({ level: 'silent' }),
      registry: createMetricsRegistry(),
    });
    const body = JSON.stringify({ zen: 'in flight' });
    // A request whose body is still arriving when shutdown begins.
    const inFlight = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/hooks/github',
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            'x-github-event': 'ping',
            'x-github-delivery': 'in-flight-1',
            'x-hub-signature-256': `sha256=${createHmac('sha256', 'gh-webhook-secret').update(body).digest('hex')}`,
          },
        },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', reject);
      req.write(body.slice(0, 5));
      setTimeout(() => req.end(body.slice(5)), 300);
    });
    await new Promise((r) => setTimeout(r, 100));
    let stopped = false;
    const stopping = service.stop().then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 50));
    // New connections are refused while the in-flight request is still finishing.
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    expect(stopped).toBe(false);
    const answer = await inFlight;
    expect(answer.status).toBe(202);
    expect(JSON.parse(answer.body)).toMatchObject({ eventListener: 'github', triggers: expect.any(Array) });
    await stopping;
    expect(stopped).toBe(true);
  });
});
