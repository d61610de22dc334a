import { createHmac } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createTriggerEngine, fileSecretStore, loadConfig } from '@signalbox/triggers';
import { describe, expect, it } from 'vitest';
import { readWebhookBody } from '../src/read-webhook-body.ts';

/** A listener with two GitHub secrets, s1 and s2: its gate hands out the body's verifier. */
function verifierFor(signature: string) {
  const dir = mkdtempSync(join(tmpdir(), 'read-webhook-body-'));
  const trigger = (n: number) => `    - name: t${n}
      interceptors:
        - ref: {name: github}
          params:
            - {name: secretRef, value: {secretName: gh, secretKey: s${n}}}
      template:
        spec:
          resourcetemplates: [{apiVersion: v1, kind: ConfigMap, metadata: {generateName: t-}}]
`;
  mkdirSync(join(dir, 'config'));
  mkdirSync(join(dir, 'secrets', 'gh'), { recursive: true });
  writeFileSync(join(dir, 'secrets', 'gh', 's1'), 's1');
  writeFileSync(join(dir, 'secrets', 'gh', 's2'), 's2');
  writeFileSync(
    join(dir, 'config', 'el.yaml'),
    `apiVersion: triggers.tekton.dev/v1beta1\nkind: EventListener\nmetadata: {name: el, namespace: ci}\nspec:\n  triggers:\n${trigger(1)}${trigger(2)}`,
  );
  const loaded = loadConfig(join(dir, 'config'));
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
  const engine = createTriggerEngine(loaded.config, { secrets: fileSecretStore(join(dir, 'secrets')) });
  const gate = engine.preAuthenticate('el', { 'x-hub-signature-256': signature });
  if (gate?.outcome !== 'verify-body') throw new Error(`gate: ${gate?.outcome}`);
  return gate.verifier;
}

/** Reads `chunks` as a request body would arrive, with a budget of `budget` bytes. */
async function read(
  chunks: readonly string[],
  options: { contentLength?: number; limit?: number; budget?: number; signature?: string } = {},
) {
  const payload = new PassThrough();
  const held: number[] = [];
  let budget = options.budget ?? Number.POSITIVE_INFINITY;
  const result = readWebhookBody(payload, {
    contentLength: options.contentLength,
    limit: options.limit ?? 1024,
    timeoutMs: 5_000,
    hold(bytes) {
      if (bytes > budget) return false;
      budget -= bytes;
      held.push(bytes);
      return true;
    },
    track: () => () => {},
    ...(options.signature ? { verifier: verifierFor(options.signature) } : {}),
  });
  for (const chunk of chunks) payload.write(Buffer.from(chunk));
  payload.end();
  return { result: await result, held };
}

const sign = (secret: string, text: string) =>
  `sha256=${createHmac('sha256', secret).update(text).digest('hex')}`;

describe('readWebhookBody', () => {
  it('reads a body in one chunk or several, with a Content-Length or without one', async () => {
    const text = '{"ref":"refs/heads/main","after":"abc"}';
    const parts = [text.slice(0, 5), text.slice(5, 20), text.slice(20)];
    for (const [chunks, contentLength] of [
      [[text], text.length],
      [parts, text.length],
      [[text], undefined],
      [parts, undefined],
    ] as const) {
      const { result, held } = await read(chunks, contentLength === undefined ? {} : { contentLength });
      expect(result.rawBody.toString()).toBe(text);
      // With a Content-Length the budget is taken at once; without, chunk by chunk.
      expect(held).toEqual(contentLength === undefined ? chunks.map((c) => c.length) : [text.length]);
    }
  });

  it('reads an empty body', async () => {
    const { result } = await read([], { contentLength: 0 });
    expect(result.rawBody.length).toBe(0);
  });

  it('refuses a body over the limit, and one the budget cannot hold', async () => {
    await expect(read(['x'.repeat(600), 'x'.repeat(600)], { limit: 1000 })).rejects.toMatchObject({
      code: 'payload_too_large',
    });
    await expect(read(['x'.repeat(10)], { contentLength: 10, budget: 5 })).rejects.toMatchObject({
      code: 'at_capacity',
      retryAfter: 10,
    });
    await expect(read(['x'.repeat(4), 'x'.repeat(4)], { budget: 6 })).rejects.toMatchObject({
      code: 'at_capacity',
    });
  });

  it('HMACs the body as it arrives: every secret’s, and 401 when none signs it', async () => {
    const text = '{"zen":"Keep it logically awesome."}';
    const parts = [text.slice(0, 7), text.slice(7)];
    const { result } = await read(parts, { contentLength: text.length, signature: sign('s2', text) });
    expect(result.rawBody.toString()).toBe(text);
    expect(result.hmacs).toEqual(
      new Map([
        ['s1', sign('s1', text)],
        ['s2', sign('s2', text)],
      ]),
    );
    await expect(read(parts, { signature: sign('other', text) })).rejects.toMatchObject({
      code: 'unauthorized',
    });
  });
});
