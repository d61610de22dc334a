import { spawn } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { start } from '@signalbox/event-listener/main';
import { createLogger, createMetricsRegistry, type RunningService } from '@signalbox/runtime';
import { freePort, type GitHubFake, redisForTest, startGitHubFake } from '@signalbox/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const { url, prefix } = redisForTest(import.meta.url);
const bin = fileURLToPath(new URL('../bin/signalbox.js', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'sb-cli-'));
const file = (path: string, text: string) => {
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), text);
  return join(root, path);
};
file('secrets/gh/token', 'cli-secret');
const adminTokenFile = file('secrets/admin/token', 'cli-admin\n');
const githubTokenFile = file('secrets/github/token', 'ghp_cli\n');
file(
  'config/el.yaml',
  `apiVersion: triggers.tekton.dev/v1beta1
kind: EventListener
metadata: {name: hooks}
spec:
  triggers:
    - name: all
      interceptors:
        - ref: {name: github}
          params:
            - {name: secretRef, value: {secretName: gh, secretKey: token}}
      template:
        spec:
          resourcetemplates:
            - {apiVersion: v1, kind: ConfigMap, metadata: {generateName: ev-}}
`,
);

let port = 0;
let adminPort = 0;
let service: RunningService;
let github: GitHubFake;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  port = await freePort();
  adminPort = await freePort();
  github = await startGitHubFake({ token: 'ghp_cli' });
  env = {
    ...process.env,
    PORT: String(port),
    ADMIN_PORT: String(adminPort),
    HOST: '127.0.0.1',
    REDIS_URL: url,
    SIGNALBOX_QUEUE_PREFIX: prefix,
    SIGNALBOX_CONFIG: join(root, 'config'),
    SIGNALBOX_SECRETS_DIR: join(root, 'secrets'),
    SIGNALBOX_ADMIN_TOKEN_FILE: adminTokenFile,
    GITHUB_API_URL: github.url,
  };
  service = await start({
    env,
    logger: createLogger({ level: 'silent' }),
    registry: createMetricsRegistry(),
  });
});
afterAll(async () => {
  await service.stop();
  await github.close();
});

const cli = (...args: string[]) =>
  new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c));
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    child.on('exit', (status) => resolve({ status, stdout, stderr }));
  });

/** A delivery signed with the listener's secret, as GitHub sends it. */
const send = (body: string, delivery: string, event: string) =>
  fetch(`http://127.0.0.1:${port}/hooks/hooks`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': event,
      'x-github-delivery': delivery,
      'x-hub-signature-256': `sha256=${createHmac('sha256', 'cli-secret').update(body).digest('hex')}`,
    },
    body,
  });

describe('signalbox deliveries against a running event-listener', () => {
  it('list, show, replay --dry-run, and recover', async () => {
    const body = JSON.stringify({ zen: 'cli', repository: { full_name: 'org/app' } });
    const delivery = randomUUID();
    const res = await send(body, delivery, 'ping');
    expect(res.status).toBe(202);
    const { eventID } = (await res.json()) as { eventID: string };

    const list = await cli('deliveries', 'list', '--repo', 'org/app');
    expect(list.status, list.stderr).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`^${eventID}\\t.*\\thooks\\torg/app\\tfired: all$`, 'm'));

    const show = await cli('deliveries', 'show', eventID);
    expect(show.status).toBe(0);
    expect(JSON.parse(show.stdout)).toMatchObject({ eventID, deliveryId: delivery, body });

    const dry = await cli('deliveries', 'replay', eventID, '--dry-run');
    expect(dry.status).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, triggers: [{ name: 'all', fired: true }] });

    expect((await cli('deliveries', 'show', 'nope')).status).toBe(1);

    github.hookDeliveries.set('org/app/7', [
      {
        id: 1,
        guid: delivery,
        delivered_at: new Date().toISOString(),
        redelivery: false,
        duration: 1,
        status: 'timeout',
        status_code: 0,
        event: 'ping',
        action: null,
        installation_id: null,
        repository_id: 1,
      },
      {
        id: 2,
        guid: 'missed',
        delivered_at: new Date().toISOString(),
        redelivery: false,
        duration: 1,
        status: 'refused',
        status_code: 0,
        event: 'push',
        action: null,
        installation_id: null,
        repository_id: 1,
      },
    ]);
    const recover = await cli(
      'deliveries',
      'recover',
      '--repo',
      'org/app',
      '--hook-id',
      '7',
      '--since',
      '1h',
      '--token-file',
      githubTokenFile,
    );
    expect(recover.status, recover.stderr).toBe(0);
    expect(recover.stdout).toMatch(/checked 2 deliveries .*redelivered 1: missed; already accepted 1/);
    expect(github.redeliveries).toEqual(['org/app/7/2']);
  });

  it("show and replay take GitHub's delivery GUID too; list --sha finds by a 7-character prefix and refuses a shorter one", async () => {
    const sha = '6113728f27ae82c7b1a177c8d03f9e96e0adf246';
    const body = JSON.stringify({
      after: sha,
      ref: 'refs/heads/main',
      repository: { full_name: 'org/short' },
    });
    const delivery = randomUUID();
    const res = await send(body, delivery, 'push');
    expect(res.status).toBe(202);
    const { eventID, triggers } = (await res.json()) as {
      eventID: string;
      triggers: { resources?: { name?: string }[] }[];
    };
    expect(eventID).not.toBe(delivery);
    // The name the object is created under (generateName ev- + the run-scheduler's hash), not "ev-".
    expect(triggers[0]?.resources?.[0]?.name).toMatch(/^ev-[bcdfghjklmnpqrstvwxz2456789]{10}$/);

    const show = await cli('deliveries', 'show', delivery);
    expect(show.status, show.stderr).toBe(0);
    expect(JSON.parse(show.stdout)).toMatchObject({ eventID, deliveryId: delivery });
    const dry = await cli('deliveries', 'replay', delivery, '--dry-run');
    expect(dry.status, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true });

    for (const given of ['6113728', sha]) {
      const list = await cli('deliveries', 'list', '--sha', given);
      expect(list.status, list.stderr).toBe(0);
      expect(list.stdout).toMatch(new RegExp(`^${eventID}\\t.*\\torg/short\\t`, 'm'));
      expect(list.stdout.trim().split('\n')).toHaveLength(1);
    }
    const short = await cli('deliveries', 'list', '--sha', '6113');
    expect(short.status).toBe(1);
    expect(short.stderr).toBe('--sha 6113: give a commit sha or at least its first 7 hex characters\n');
  });
});
