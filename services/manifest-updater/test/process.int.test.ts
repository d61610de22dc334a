import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort, type GitHubFake, redisForTest, startGitHubFake } from '@signalbox/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { sampleManifests } from '../src/sample-manifests.ts';
import { digestOf, examplesConfig, harborAuth, harborBody, token } from './harness.ts';

const repoRoot = join(import.meta.dirname, '..', '..', '..');
const children: ChildProcess[] = [];
let fake: GitHubFake | undefined;
afterEach(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await fake?.close();
});

function startSignalbox(env: NodeJS.ProcessEnv, ...services: string[]): ChildProcess {
  const child = spawn(join(repoRoot, 'node_modules/.bin/signalbox'), ['start', ...services], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  Object.defineProperty(child, 'output', { get: () => output });
  children.push(child);
  return child;
}

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function post(port: number, body: unknown): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/hooks/harbor`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: harborAuth },
    body: JSON.stringify(body),
  });
  await res.text();
  return res.status;
}

describe('signalbox start event-listener manifest-updater (separate processes)', () => {
  it('Harbor push + clean scan through the real listener; the worker SIGKILLed mid-job → taken over: one PR, one commit, one push', async () => {
    fake = await startGitHubFake({ token, login: 'signalbox-bot' });
    await fake.createRepo('org', 'manifests', { files: sampleManifests });
    const { url, prefix } = redisForTest(import.meta.url);
    const { dir, secretsDir, root } = examplesConfig(fake.gitUrl('org', 'manifests'));
    const port = await freePort();
    const env = {
      REDIS_URL: url,
      SIGNALBOX_QUEUE_PREFIX: prefix,
      SIGNALBOX_CONFIG: dir,
      SIGNALBOX_SECRETS_DIR: secretsDir,
      SIGNALBOX_WORK_DIR: join(root, 'work'),
      GITHUB_API_URL: fake.apiUrl,
      SIGNALBOX_MANIFEST_JOB_LOCK_MS: '2000',
      SIGNALBOX_REPO_LOCK_MS: '2000',
      SIGNALBOX_RUN_BACKEND: 'dry-run',
      SIGNALBOX_OUT_DIR: join(root, 'out'),
      PORT: String(port),
      ADMIN_PORT: '0',
      LOG_LEVEL: 'info',
    };
    // The PR request is answered with a secondary rate limit of 30 s: the worker sits it out,
    // with the branch already pushed, and is killed there.
    const stall = fake.faults.inject({
      kind: 'secondary-rate-limit',
      method: 'POST',
      path: '/repos/org/manifests/pulls',
      retryAfter: 30,
    });
    const listener = startSignalbox(env, 'event-listener');
    const first = startSignalbox(env, 'manifest-updater');
    await until('the listener', () =>
      post(port, harborBody('PUSH_ARTIFACT.json', '1.4.2', digestOf(7))).then(
        (s) => s === 202,
        () => false,
      ),
    );
    expect(
      await post(port, harborBody('SCANNING_COMPLETED.no-vulnerabilities.json', '1.4.2', digestOf(7))),
    ).toBe(202);
    await until('the PR request', () => stall.hits === 1);
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    stall.remove();
    const pushesBefore = fake.requests.filter((r) => r.path.endsWith('/git-receive-pack')).length;
    expect(pushesBefore).toBe(1);

    const second = startSignalbox(env, 'manifest-updater');
    const pull = await until('the PR', () => fake?.pulls('org', 'manifests')[0]);
    expect(pull.title).toBe('[Update manifest] harbor.example.com/team-a/api:1.4.2');
    const log = () => (second as unknown as { output: string }).output;
    // The takeover's job is done once it logs the image applied (after the PR, its notification
    // and the applied record); only then is "nothing more" meaningful.
    await until('the takeover finished', () => log().includes('image applied') || undefined);
    expect(fake.pulls('org', 'manifests')).toHaveLength(1);
    expect(fake.requests.filter((r) => r.path.endsWith('/git-receive-pack'))).toHaveLength(pushesBefore);
    expect(
      (await fake.git('org', 'manifests', 'rev-list', '--count', 'main..signalbox/team-a-api-main')).trim(),
    ).toBe('1');
    second.kill('SIGTERM');
    listener.kill('SIGTERM');
  });
});
