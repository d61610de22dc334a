import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { notificationsQueue } from '@signalbox/contracts';
import { redisForTest } from '@signalbox/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { C, changeNotifications, type Harness, harness, routeConfig } from './notifier-harness.ts';

const { url, prefix } = redisForTest(import.meta.url);
let h: Harness | undefined;
let n = 0;
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  await h?.close();
  h = undefined;
});

const until = async (what: string, ok: () => boolean | Promise<boolean>, ms = 60_000) => {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('the notifier as a separate process', () => {
  it('SIGKILLed after Slack posted but before the ts was recorded: after restart, still exactly one message', async () => {
    const p = `${prefix}-${++n}`;
    h = await harness(url, p, []);
    const { fake, producer, drained } = h;
    const script = fileURLToPath(new URL('./fixtures/notifier-process.ts', import.meta.url));
    const startProcess = () =>
      new Promise<ChildProcess>((resolveChild, reject) => {
        const child = spawn(process.execPath, [script], {
          env: { ...process.env, REDIS_URL: url, PREFIX: p, SLACK_API_URL: fake.apiUrl, CHANNEL: C },
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        children.push(child);
        child.stdout?.on('data', (c: Buffer) => c.toString().includes('ready') && resolveChild(child));
        child.once('exit', (code) => reject(new Error(`notifier exited with ${code} before ready`)));
      });
    // Slack stores the parent, then holds its answer back: the worker dies without learning the ts.
    const held = fake.inject({ method: 'chat.postMessage', delayMs: 10_000 });
    const first = await startProcess();
    const [started] = changeNotifications();
    await producer.add(started!);
    await until('the parent to be posted', () => fake.messages(C).length === 1);
    expect(held.hits).toBe(1);
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));

    await startProcess();
    await drained(60_000);
    expect(fake.messages(C)).toHaveLength(1);
    const parent = fake.messages(C)[0]!;
    expect(fake.replies(C, parent.ts)).toHaveLength(1);
    // The restarted worker looked for its own post (by metadata) instead of posting again.
    expect(fake.calls.some((c) => c.method === 'conversations.history' && c.status === 200)).toBe(true);
    // The held answer is recorded only when the fake finally sends it (to a dead socket): every post
    // recorded so far came from the restarted worker, and none of them was a second parent.
    expect(fake.calls.filter((c) => c.method === 'chat.postMessage' && !c.threadTs)).toEqual([]);
    expect(
      fake.calls.filter((c) => c.method === 'chat.postMessage' && c.threadTs === parent.ts),
    ).toHaveLength(1);
    const job = await producer.queue.getJob(notificationsQueue.jobId(started!));
    expect(await job?.getState()).toBe('completed');
  });

  it('`signalbox start notifier` with a route that has no auth prints the console line for a run.failed', async () => {
    const p = `${prefix}-${++n}`;
    h = await harness(url, p, []);
    const { config } = routeConfig(['run.failed']);
    const [started] = changeNotifications();
    await h.producer.add({
      ...started!,
      kind: 'run.failed',
      key: 'r/failed',
      data: { name: 'build-7xk2p', durationMs: 200_000, failedTasks: ['unit-tests', 'lint'] },
    });
    const child = spawn(resolve('node_modules/.bin/signalbox'), ['start', 'notifier'], {
      env: {
        ...process.env,
        REDIS_URL: url,
        SIGNALBOX_QUEUE_PREFIX: p,
        SIGNALBOX_CONFIG: config,
        METRICS_PORT: '0',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    let out = '';
    child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
    await until('the console line', () => out.includes('\n'));
    expect(out.split('\n')[0]).toBe(
      'slack #C07A1B2C3D4 [team-a] :x: run.failed org/team-a@3f2c9a1 (main): pipeline build-7xk2p failed in 3m20s — failed tasks: unit-tests, lint',
    );
    child.kill('SIGTERM');
    expect(await new Promise((r) => child.once('exit', r))).toBe(0);
  });
});
