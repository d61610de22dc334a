import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, redisForTest, startGitHubFake } from '@signalbox/testkit';
import { afterAll, describe, expect, it } from 'vitest';

const { url, prefix } = redisForTest(import.meta.url);
const bin = fileURLToPath(new URL('../bin/signalbox.js', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'sb-start-'));
const examplesConfig = fileURLToPath(new URL('../../../examples/config', import.meta.url));
const examplesSecrets = fileURLToPath(new URL('../../../examples/secrets', import.meta.url));
const closers: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

/**
 * The machine's own `node` when it is older than 24 (the launcher must re-run itself on the Node 24
 * from node_modules), else the Node 24 running the tests.
 */
function launcherNode(): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'node');
    if (dir.includes('node_modules') || !existsSync(candidate)) continue;
    try {
      const major = Number(execFileSync(candidate, ['-p', 'process.versions.node.split(".")[0]']).toString());
      if (major < 24) return candidate;
    } catch {
      // not runnable: keep looking
    }
  }
  return process.execPath;
}

interface Run {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  exited: Promise<number | null>;
}

function cli(args: string[], env: NodeJS.ProcessEnv, node = process.execPath): Run {
  const child = spawn(node, [bin, ...args], {
    env: {
      ...process.env,
      REDIS_URL: url,
      SIGNALBOX_QUEUE_PREFIX: prefix,
      SIGNALBOX_RUN_BACKEND: 'dry-run',
      SIGNALBOX_OUT_DIR: join(tmp, 'out'),
      LOG_FORMAT: 'json',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Local paths of the examples (./.signalbox/manifests) land in the test's folder.
    cwd: tmp,
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  closers.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { child, out: () => out, err: () => err, exited };
}

/** Polls `probe` until it gives a value; fails at once if the CLI process exits first. */
async function until<T>(run: Run, probe: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    const exited = run.child.exitCode !== null || run.child.signalCode !== null;
    if (exited || Date.now() > deadline) {
      throw new Error(
        `${exited ? `the CLI exited (${run.child.exitCode ?? run.child.signalCode})` : 'timed out'} before ${what}\n${run.out()}${run.err()}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('signalbox start', () => {
  it('runs the worker services in one process behind /readyz and /metrics on METRICS_PORT, and drains on SIGTERM', async () => {
    const metricsPort = await freePort();
    const node = launcherNode();
    const run = cli(
      ['start', 'run-scheduler', 'notifier', 'manifest-updater'],
      {
        METRICS_PORT: String(metricsPort),
        SIGNALBOX_CONFIG: examplesConfig,
        SIGNALBOX_WORK_DIR: join(tmp, 'work'),
      },
      node,
    );
    const base = `http://127.0.0.1:${metricsPort}`;
    const ready = await until(
      run,
      async () => {
        const res = await fetch(`${base}/readyz`);
        return res.status === 200 ? ((await res.json()) as unknown) : undefined;
      },
      `/readyz answered 200 (launched with ${node})`,
    );
    expect(ready).toEqual({
      ready: true,
      checks: { 'run-scheduler': true, notifier: true, 'manifest-updater': true },
    });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('signalbox_queue_jobs{queue="signalbox-notifications",state="waiting"} 0');
    expect(metrics).toContain('signalbox_queue_jobs{queue="signalbox-runs",state="waiting"} 0');
    expect(metrics).toMatch(/^process_cpu_seconds_total /m);

    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(run.out()).toContain('"msg":"shutdown complete"');
  });

  it('Ctrl-C: one arriving twice at once (terminal process group + npm forwarding it) drains and exits 0; another a while later exits at once', async () => {
    // A sender stalled mid-body holds the listener's drain for half the shutdown timeout (2 s),
    // so the signals arrive while it drains.
    const drainingListener = async () => {
      const port = await freePort();
      const adminPort = await freePort();
      const run = cli(['start', 'event-listener'], {
        SIGNALBOX_CONFIG: examplesConfig,
        SIGNALBOX_SECRETS_DIR: examplesSecrets,
        PORT: String(port),
        ADMIN_PORT: String(adminPort),
        SIGNALBOX_SHUTDOWN_TIMEOUT_MS: '4000',
      });
      await until(
        run,
        async () => ((await fetch(`http://127.0.0.1:${adminPort}/readyz`)).status === 200 ? true : undefined),
        '/readyz answered 200',
      );
      const socket = createConnection({ host: '127.0.0.1', port });
      socket.on('error', () => {});
      closers.push(async () => socket.destroy());
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.write(
        `POST /hooks/github HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\nx-github-event: push\r\nx-hub-signature-256: sha256=${'0'.repeat(64)}\r\ncontent-length: 100\r\n\r\n{"ref":`,
      );
      await new Promise((r) => setTimeout(r, 200));
      return run;
    };

    const together = await drainingListener();
    together.child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 50)); // npm forwards its own copy a moment later
    together.child.kill('SIGINT');
    expect(await together.exited).toBe(0);
    expect(together.out()).toContain('"msg":"shutdown complete"');
    expect(together.out()).not.toContain('second signal');

    const impatient = await drainingListener();
    const sent = Date.now();
    impatient.child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 1_200));
    impatient.child.kill('SIGINT');
    expect(await impatient.exited).toBe(1);
    expect(Date.now() - sent).toBeLessThan(1_900); // did not wait for the 2 s drain
    expect(impatient.out()).toContain('second signal: exiting now');
  });

  it('reports the bad settings of every service at once, and logs readable lines with LOG_FORMAT=pretty', async () => {
    const bad = cli(['start', 'run-scheduler', 'notifier', 'manifest-updater'], {
      SIGNALBOX_CONFIG: examplesConfig,
      SIGNALBOX_RUN_CONCURRENCY: 'lots',
      SIGNALBOX_NOTIFY_CONCURRENCY: '0',
      SIGNALBOX_SCAN_HOLD_MS: 'soon',
      ADMIN_PORT: String(await freePort()),
    });
    expect(await bad.exited).toBe(1);
    expect(bad.err()).toContain('signalbox start: 3 invalid settings:');
    expect(bad.err()).toContain('SIGNALBOX_RUN_CONCURRENCY="lots" is not valid');
    expect(bad.err()).toContain('SIGNALBOX_NOTIFY_CONCURRENCY="0" is not valid');
    expect(bad.err()).toContain('SIGNALBOX_SCAN_HOLD_MS="soon" is not valid');

    const adminPort = await freePort();
    const pretty = cli(['start', 'run-scheduler'], { ADMIN_PORT: String(adminPort), LOG_FORMAT: 'pretty' });
    await until(
      pretty,
      async () => ((await fetch(`http://127.0.0.1:${adminPort}/readyz`)).status === 200 ? true : undefined),
      '/readyz answered 200',
    );
    pretty.child.kill('SIGTERM');
    expect(await pretty.exited).toBe(0);
    expect(pretty.out()).toMatch(/^\[\d{2}:\d{2}:\d{2}\.\d{3}\] INFO: run-scheduler started$/m);
    expect(pretty.out()).toMatch(/INFO: shutdown complete$/m);
    expect(pretty.out()).not.toContain('{"level"');
  });

  it('refuses an unknown service (exit 2) and bad settings (exit 1, every variable named)', async () => {
    const unknown = cli(['start', 'notifier', 'mailer'], {});
    expect(await unknown.exited).toBe(2);
    expect(unknown.err()).toBe(
      'signalbox start: unknown service mailer (one of event-listener, run-scheduler, notifier, manifest-updater)\n',
    );

    const bad = cli(['start', 'notifier'], { METRICS_PORT: 'ninety', SIGNALBOX_RUN_BACKEND: 'k8s' });
    expect(await bad.exited).toBe(1);
    expect(bad.err()).toContain('METRICS_PORT="ninety" is not valid: expected an integer from 0 to 65535');
    expect(bad.err()).toContain(
      'SIGNALBOX_RUN_BACKEND="k8s" is not valid: expected one of kubernetes, dry-run',
    );
  });

  it('a service that cannot start stops the ones already started and exits 1 naming it', async () => {
    const config = join(tmp, 'broken-config');
    mkdirSync(config, { recursive: true });
    writeFileSync(
      join(config, 'el.yaml'),
      'apiVersion: triggers.tekton.dev/v1beta1\nkind: EventListener\nmetadata: {name: el}\nspec:\n  triggers:\n    - name: t\n      template: {ref: missing}\n',
    );
    const run = cli(['start', 'run-scheduler', 'event-listener'], {
      SIGNALBOX_CONFIG: config,
      PORT: String(await freePort()),
    });
    expect(await run.exited).toBe(1);
    expect(run.err()).toMatch(/^signalbox start: event-listener: invalid config in .*broken-config/);
    expect(run.err()).toContain('el.yaml');
    expect(run.out()).toContain('start-up failed: stopping what was started');
  });

  it('the event-listener lists changed files with SIGNALBOX_GITHUB_TOKEN_FILE when a trigger names no token', async () => {
    const github = await startGitHubFake({ token: 'ghp_process_wide' });
    closers.push(() => github.close());
    github.pullFiles.set('org/mono#3', ['services/api/main.go']);
    const root = join(tmp, 'token-file');
    mkdirSync(join(root, 'config'), { recursive: true });
    mkdirSync(join(root, 'secrets', 'gh'), { recursive: true });
    writeFileSync(join(root, 'secrets', 'gh', 'secret'), 'hook-secret');
    writeFileSync(join(root, 'github-token'), 'ghp_process_wide\n');
    writeFileSync(
      join(root, 'config', 'el.yaml'),
      `apiVersion: triggers.tekton.dev/v1beta1
kind: EventListener
metadata: {name: mono, namespace: ci}
spec:
  triggers:
    - name: api
      interceptors:
        - ref: {name: github}
          params:
            - {name: secretRef, value: {secretName: gh, secretKey: secret}}
            - {name: addChangedFiles, value: {enabled: true}}
        - ref: {name: cel}
          params:
            - {name: filter, value: "extensions.changed_files.startsWith('services/api/')"}
      template:
        spec:
          resourcetemplates:
            - {apiVersion: tekton.dev/v1, kind: PipelineRun, metadata: {generateName: api-}, spec: {pipelineRef: {name: api}}}
`,
    );
    const port = await freePort();
    const run = cli(['start', 'event-listener'], {
      SIGNALBOX_CONFIG: join(root, 'config'),
      SIGNALBOX_SECRETS_DIR: join(root, 'secrets'),
      PORT: String(port),
      ADMIN_PORT: String(await freePort()),
      GITHUB_API_URL: github.url,
      SIGNALBOX_GITHUB_TOKEN_FILE: join(root, 'github-token'),
    });
    const body = JSON.stringify({
      action: 'opened',
      number: 3,
      pull_request: { number: 3 },
      repository: { name: 'mono', full_name: 'org/mono', owner: { login: 'org' } },
    });
    const answer = await until(
      run,
      async () => {
        const res = await fetch(`http://127.0.0.1:${port}/hooks/mono`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-github-event': 'pull_request',
            'x-github-delivery': randomUUID(),
            'x-hub-signature-256': `sha256=${createHmac('sha256', 'hook-secret').update(body).digest('hex')}`,
          },
          body,
        });
        return res.status === 202 ? ((await res.json()) as { triggers: unknown[] }) : undefined;
      },
      'the listener answered 202',
    );
    expect(answer.triggers).toEqual([expect.objectContaining({ name: 'api', fired: true })]);
    expect(github.requests.filter((r) => r.path.startsWith('/repos/org/mono/pulls/3/files'))).toEqual([
      expect.objectContaining({ authorization: 'token ghp_process_wide', status: 200 }),
    ]);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  });

  it('the listener is not ready while a secret its config references is missing, and says which file', async () => {
    const secrets = join(tmp, 'late-secrets');
    const port = await freePort();
    const adminPort = await freePort();
    const run = cli(['start', 'event-listener'], {
      SIGNALBOX_CONFIG: examplesConfig,
      SIGNALBOX_SECRETS_DIR: secrets,
      PORT: String(port),
      ADMIN_PORT: String(adminPort),
    });
    const notReady = await until(
      run,
      async () => {
        const res = await fetch(`http://127.0.0.1:${port}/readyz`);
        return res.status === 503 ? ((await res.json()) as { checks: object; reasons: string[] }) : undefined;
      },
      '/readyz answered 503',
    );
    const file = join(secrets, 'github-webhook', 'token');
    expect(notReady.checks).toEqual({ config: true, redis: true, secrets: false });
    expect(notReady.reasons).toContain(`secret missing or unreadable: github-webhook/token (${file})`);
    expect(run.out()).toMatch(
      /"level":50,.*secrets the config references are missing or unreadable: .*github-webhook\/token/,
    );

    // Mounted late (a Secret created after the Deployment): ready without a restart.
    mkdirSync(join(secrets, 'github-webhook'), { recursive: true });
    mkdirSync(join(secrets, 'harbor-webhook'), { recursive: true });
    writeFileSync(file, 'late\n');
    writeFileSync(join(secrets, 'harbor-webhook', 'auth-header'), 'Bearer late\n');
    await until(
      run,
      async () => ((await fetch(`http://127.0.0.1:${adminPort}/readyz`)).status === 200 ? true : undefined),
      '/readyz answered 200 once the secrets were there',
    );
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  });
});
