import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@signalbox/testkit';
import { describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../bin/signalbox.js', import.meta.url));
const adminToken = fileURLToPath(new URL('../../../examples/secrets/admin/token', import.meta.url));

/**
 * Runs the CLI to its end (or `killAfterMs`). A command that hangs is killed after 20 s and
 * reported as `hung` — the defect these tests guard against; how fast it gives up is a property of
 * the code (one connection attempt, no retries), not asserted in wall time on a shared machine.
 */
function run(args: string[], env: NodeJS.ProcessEnv, stopWhen?: (out: string) => boolean) {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: mkdtempSync(join(tmpdir(), 'sb-unreachable-')),
    env: { ...process.env, LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let stopping = false;
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
    if (stopWhen && !stopping && stopWhen(out)) {
      stopping = true;
      child.kill('SIGTERM');
    }
  });
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  let hung = false;
  const hardStop = setTimeout(() => {
    hung = true;
    child.kill('SIGKILL');
  }, 20_000);
  return new Promise<{ code: number | null; out: string; err: string; hung: boolean }>((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(hardStop);
      resolve({ code, out, err, hung });
    }),
  );
}

// Each test starts the CLI (a Node process loading every service) several times: on a loaded
// machine that alone can take seconds.
describe('commands that need Redis or the listener, when it is not there', { timeout: 90_000 }, () => {
  it('dlq list and dlq retry: one line naming the address and the reason, exit 1, no hanging', async () => {
    const port = await freePort();
    for (const args of [
      ['dlq', 'list'],
      ['dlq', 'retry', 'some-job'],
    ]) {
      const result = await run(args, { REDIS_URL: `redis://127.0.0.1:${port}` });
      expect(result.code).toBe(1);
      expect(result.err).toBe(`signalbox dlq: cannot reach Redis at 127.0.0.1:${port}: connection refused\n`);
      expect(result.out).toBe('');
      expect(result.hung).toBe(false);
    }
  });

  it('deliveries list/show/replay: one line naming the admin address, exit 1, no hanging', async () => {
    const port = await freePort();
    const env = { ADMIN_PORT: String(port), SIGNALBOX_ADMIN_TOKEN_FILE: adminToken };
    for (const args of [
      ['deliveries', 'list'],
      ['deliveries', 'show', 'x'],
      ['deliveries', 'replay', 'x'],
    ]) {
      const result = await run(args, env);
      expect(result.code).toBe(1);
      expect(result.err).toBe(
        `cannot reach the event-listener at http://127.0.0.1:${port}: connection refused (is signalbox start running? set ADMIN_PORT or SIGNALBOX_ADMIN_URL)\n`,
      );
      expect(result.hung).toBe(false);
    }
  });

  it('start run-scheduler with Redis down: JSON lines only, one per connection that went down, no stack traces; SIGTERM still exits 0', async () => {
    const port = await freePort();
    const result = await run(
      ['start', 'run-scheduler'],
      { REDIS_URL: `redis://127.0.0.1:${port}`, ADMIN_PORT: '0', SIGNALBOX_RUN_BACKEND: 'dry-run' },
      // SIGTERM once both connections said they are down (and have had a reconnect or two).
      (out) => (out.match(/cannot reach Redis/g)?.length ?? 0) >= 2,
    );
    expect(result.code).toBe(0);
    expect(result.err).toBe('');
    const records = result.out
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { msg: string; redis?: string });
    const down = records.filter((r) => r.msg.startsWith('cannot reach Redis'));
    // Two connections (worker and state), each reported once however many reconnects failed.
    expect(down.map((r) => [r.redis, r.msg]).sort()).toEqual([
      ['run-scheduler', `cannot reach Redis at 127.0.0.1:${port}: connection refused; retrying`],
      ['run-scheduler-state', `cannot reach Redis at 127.0.0.1:${port}: connection refused; retrying`],
    ]);
    expect(records.map((r) => r.msg)).toContain('shutdown complete');
  });
});
