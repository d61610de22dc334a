import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeanKubeConfig } from '../src/kube/lean-kube-config.ts';
import { openWatch } from '../src/kube/open-watch.ts';

let server: Server;
let url: string;
let kubeconfig: string;
/** What the server writes for a watch, piece by piece, each in its own write a few ms apart. */
let pieces: Buffer[] = [];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  server = createServer(async (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    for (const piece of pieces) {
      res.write(piece);
      await sleep(5);
    }
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  kubeconfig = join(mkdtempSync(join(tmpdir(), 'sb-open-watch-')), 'config');
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      clusters: [{ name: 'c', cluster: { server: url, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'u', user: { token: 't' } }],
      contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'x',
    }),
  );
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('openWatch', () => {
  it('reads events that arrive split anywhere, a character included, and a last line without a newline', async () => {
    const event = (name: string) => `{"type":"ADDED","object":{"metadata":{"name":"${name}"}}}`;
    const text = `${event('café')}\n\n${event('b')}\r\n${event('🚀')}`;
    const bytes = Buffer.from(text);
    const inE = bytes.indexOf(Buffer.from('é')) + 1; // inside é's two bytes
    const inRocket = bytes.indexOf(Buffer.from('🚀')) + 2; // inside the emoji's four bytes
    pieces = [
      bytes.subarray(0, 7),
      bytes.subarray(7, inE),
      bytes.subarray(inE, inRocket),
      bytes.subarray(inRocket),
    ];

    const kc = new LeanKubeConfig();
    kc.loadFromFile(kubeconfig);
    const names: string[] = [];
    const ended = new Promise<unknown>((resolve) => {
      void openWatch(
        kc.transport,
        `${url}/api/v1/configmaps`,
        {},
        (type, object) => names.push(`${type} ${(object as { metadata: { name: string } }).metadata.name}`),
        resolve,
        5_000,
      );
    });
    expect(await ended).toBeNull();
    expect(names).toEqual(['ADDED café', 'ADDED b', 'ADDED 🚀']);
  });
});
