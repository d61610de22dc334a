import { createHmac } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load-config.ts';
import { createTriggerEngine, type TriggerEngine } from '../../src/engine/create-trigger-engine.ts';
import { parseBody } from '../../src/engine/parse-body.ts';
import { fileSecretStore } from '../../src/secrets/file-secret-store.ts';
import type { Evaluation, GitHubFiles } from '../../src/types.ts';

/** Writes YAML files into a fresh config dir and a secrets dir; returns both. */
export function configDir(
  files: Record<string, string>,
  secrets: Record<string, string> = {},
): {
  dir: string;
  secretsDir: string;
} {
  const root = mkdtempSync(join(tmpdir(), 'sb-triggers-'));
  const dir = join(root, 'config');
  mkdirSync(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const secretsDir = join(root, 'secrets');
  for (const [path, value] of Object.entries(secrets)) {
    mkdirSync(join(secretsDir, path, '..'), { recursive: true });
    writeFileSync(join(secretsDir, path), value);
  }
  return { dir, secretsDir };
}

export function engineFor(
  files: Record<string, string>,
  secrets: Record<string, string> = {},
  github?: GitHubFiles,
): TriggerEngine {
  const { dir, secretsDir } = configDir(files, secrets);
  const loaded = loadConfig(dir);
  if (!loaded.ok) throw new Error(loaded.issues.map((i) => `${i.field}: ${i.message}`).join('\n'));
  return createTriggerEngine(loaded.config, {
    secrets: fileSecretStore(secretsDir),
    ...(github ? { github } : {}),
  });
}

export function sign(secret: string, raw: Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;
}

/** Sends one request through the engine the way the listener does. */
export async function deliver(
  engine: TriggerEngine,
  listener: string,
  body: unknown,
  headers: Record<string, string>,
  eventID = 'e-1',
): Promise<Evaluation> {
  const rawBody = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const parsed = parseBody(lower['content-type'] ?? 'application/json', rawBody);
  if (!parsed.ok) throw new Error(parsed.message);
  const result = await engine.evaluate(
    listener,
    { method: 'POST', url: `/hooks/${listener}`, headers: lower, rawBody },
    {
      eventID,
      body: parsed.body,
    },
  );
  if (!result) throw new Error(`unknown listener ${listener}`);
  return result;
}
