import { type ChildProcess, spawn } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  freePort,
  type GitHubFake,
  type KubeFake,
  type RedisServer,
  type SlackFake,
  type SlackFakeOptions,
  startGitHubFake,
  startKubeFake,
  startRedisServer,
  startSlackFake,
} from '@signalbox/testkit';

/**
 * The whole of Signalbox as it runs in production: the four services as separate processes
 * (`signalbox start <service>`), their own redis-server with AOF `everysec`, and the test kit's
 * Kubernetes, GitHub and Slack fakes. Used by the e2e and chaos suites.
 */

export const repoRoot = join(import.meta.dirname, '..', '..');
export const services = ['event-listener', 'run-scheduler', 'notifier', 'manifest-updater'] as const;
export type Service = (typeof services)[number];

export const githubToken = 'ghp_e2e_manifests';
export const slackToken = 'xoxb-test';
export const webhookSecret = readFileSync(
  join(repoRoot, 'examples/secrets/github-webhook/token'),
  'utf8',
).trim();
export const harborAuth = readFileSync(
  join(repoRoot, 'examples/secrets/harbor-webhook/auth-header'),
  'utf8',
).trim();
export const namespace = 'team-a-ci';
/** The examples' channel: both of its SlackRoutes post there. */
export const channel = 'C07A1B2C3D4';

export const until = async <T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 60_000,
  log?: () => string,
): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${log ? `\n${log()}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

/**
 * The examples' config, adapted: the team-a-api policy targets `org/manifests` on the GitHub fake
 * (token from the secrets dir), the Slack routes post with a bot token through the Slack fake.
 * `extraPolicies` are more ImageUpdatePolicy documents (the chaos run's images).
 */
export function writeConfig(
  root: string,
  manifestsUrl: string,
  extra = '',
  keepRoutes = true,
): { config: string; secrets: string } {
  const config = join(root, 'config');
  cpSync(join(repoRoot, 'examples/config'), config, { recursive: true });
  const auth = '  auth: {secretRef: {secretName: github-manifests, secretKey: token}}\n';
  const harbor = readFileSync(join(config, 'harbor.yaml'), 'utf8')
    .replace('repo: ./.signalbox/manifests', `repo: ${manifestsUrl}`)
    .replace(/( {2}pullRequest: .*\n)/, `$1${auth}`)
    .replaceAll(
      /(\n {2}channel: C07A1B2C3D4\n)/g,
      '$1  auth: {secretRef: {secretName: slack, secretKey: bot-token}}\n',
    );
  if (!harbor.includes('secretName: slack') || !harbor.includes(manifestsUrl))
    throw new Error('examples/config/harbor.yaml changed shape: adapt test/e2e/stack.ts');
  const docs = harbor.split('\n---\n').filter((d) => keepRoutes || !d.includes('kind: SlackRoute'));
  writeFileSync(
    join(config, 'harbor.yaml'),
    `${docs.join('\n---\n')}${extra ? `\n---\n${extra.replaceAll('MANIFESTS', manifestsUrl)}` : ''}`,
  );
  const secrets = join(root, 'secrets');
  cpSync(join(repoRoot, 'examples/secrets'), secrets, { recursive: true });
  mkdirSync(join(secrets, 'github-manifests'));
  writeFileSync(join(secrets, 'github-manifests', 'token'), `${githubToken}\n`);
  mkdirSync(join(secrets, 'slack'));
  writeFileSync(join(secrets, 'slack', 'bot-token'), `${slackToken}\n`);
  writeFileSync(join(root, 'status-token'), `${githubToken}\n`);
  return { config, secrets };
}

export interface Proc {
  readonly service: Service;
  readonly child: ChildProcess;
  output(): string;
  readonly exited: Promise<number | string>;
}

export interface Stack {
  readonly root: string;
  readonly redis: RedisServer;
  readonly kube: KubeFake;
  readonly github: GitHubFake;
  readonly slack: SlackFake;
  readonly port: number;
  readonly adminPorts: Record<Service, number>;
  readonly procs: Record<Service, Proc>;
  readonly env: NodeJS.ProcessEnv;
  start(service: Service): Promise<Proc>;
  kill(service: Service): Promise<void>;
  /** Every process's output so far (for failure messages). */
  logs(): string;
  close(): Promise<void>;
}

export interface StackOptions {
  readonly manifests: Record<string, string>;
  readonly extraConfig?: string;
  /** Keep the examples' SlackRoutes (default true). */
  readonly exampleRoutes?: boolean;
  readonly slack?: SlackFakeOptions;
  readonly env?: NodeJS.ProcessEnv;
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const root = mkdtempSync(join(tmpdir(), 'sb-e2e-'));
  const redis = await startRedisServer({ persist: true, appendfsync: 'everysec' });
  const kube = await startKubeFake({ namespaces: [namespace] });
  const github = await startGitHubFake({ token: githubToken, login: 'signalbox-bot' });
  await github.createRepo('org', 'manifests', { files: options.manifests });
  await github.createRepo('org', 'team-a', { files: { 'README.md': 'team-a\n' } });
  const slack = await startSlackFake(options.slack);
  const { config, secrets } = writeConfig(
    root,
    github.gitUrl('org', 'manifests'),
    options.extraConfig,
    options.exampleRoutes,
  );
  const port = await freePort();
  const adminPorts = Object.fromEntries(
    await Promise.all(services.map(async (s) => [s, await freePort()] as const)),
  ) as Record<Service, number>;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: join(root, 'home'),
    REDIS_URL: redis.url,
    SIGNALBOX_CONFIG: config,
    SIGNALBOX_SECRETS_DIR: secrets,
    SIGNALBOX_WORK_DIR: join(root, 'work'),
    SIGNALBOX_RUN_BACKEND: 'kubernetes',
    KUBECONFIG: kube.kubeconfigPath,
    GITHUB_API_URL: github.apiUrl,
    SIGNALBOX_GITHUB_TOKEN_FILE: join(root, 'status-token'),
    SIGNALBOX_STATUS_TARGET_URL: 'https://tekton.example.com/#/namespaces/{namespace}/pipelineruns/{name}',
    SLACK_API_URL: slack.apiUrl,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_FORMAT: 'json',
    LOG_LEVEL: 'warn',
    // A killed worker's job is taken over within about twice the lock: keep the run short.
    SIGNALBOX_MANIFEST_JOB_LOCK_MS: '3000',
    SIGNALBOX_REPO_LOCK_MS: '4000',
    SIGNALBOX_KUBE_TIMEOUT_MS: '3000',
    SIGNALBOX_SLACK_TIMEOUT_MS: '3000',
    SIGNALBOX_SHUTDOWN_TIMEOUT_MS: '3000',
    ...options.env,
  };
  mkdirSync(join(root, 'home'));
  const procs = {} as Record<Service, Proc>;
  const outputs: string[] = [];

  const start = (service: Service): Promise<Proc> => {
    const child = spawn(join(repoRoot, 'node_modules/.bin/signalbox'), ['start', service], {
      cwd: root,
      env: { ...env, ADMIN_PORT: String(adminPorts[service]) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const keep = (c: Buffer) => {
      out += c.toString();
      if (out.length > 200_000) out = out.slice(-100_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const exited = new Promise<number | string>((r) =>
      child.once('exit', (code, signal) => {
        outputs.push(`--- ${service} (exit ${signal ?? code}) ---\n${out.slice(-4000)}`);
        r(signal ?? code ?? -1);
      }),
    );
    const proc: Proc = { service, child, output: () => out, exited };
    procs[service] = proc;
    return until(
      `${service} to be ready`,
      async () => {
        if (child.exitCode !== null) throw new Error(`${service} exited with ${child.exitCode}:\n${out}`);
        const res = await fetch(`http://127.0.0.1:${adminPorts[service]}/readyz`).catch(() => undefined);
        await res?.text();
        return res?.status === 200;
      },
      60_000,
      () => out,
    ).then(() => proc);
  };

  await Promise.all(services.map(start));

  return {
    root,
    redis,
    kube,
    github,
    slack,
    port,
    adminPorts,
    procs,
    env,
    start,
    async kill(service) {
      const proc = procs[service];
      if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGKILL');
      await proc.exited;
    },
    logs: () =>
      [...outputs, ...services.map((s) => `--- ${s} (running) ---\n${procs[s].output().slice(-4000)}`)].join(
        '\n',
      ),
    async close() {
      for (const s of services) if (procs[s]?.child.exitCode === null) procs[s].child.kill('SIGKILL');
      await Promise.all(services.map((s) => procs[s]?.exited));
      await Promise.allSettled([redis.stop(), kube.close(), github.close(), slack.close()]);
      rmSync(root, { recursive: true, force: true });
    },
  };
}

export const sign = (raw: string) =>
  `sha256=${createHmac('sha256', webhookSecret).update(raw).digest('hex')}`;

export interface Answer {
  readonly status: number;
  readonly body: {
    eventID?: string;
    triggers?: Array<{
      name: string;
      fired: boolean;
      reason?: string;
      resources?: Array<{ kind: string; name?: string }>;
    }>;
  };
}

/** One POST as GitHub or Harbor sends it; a connection error is status 0. */
export async function post(
  port: number,
  listener: 'github' | 'harbor',
  raw: string,
  headers: Record<string, string>,
): Promise<Answer> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/hooks/${listener}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: raw,
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    let body: Answer['body'] = {};
    try {
      body = JSON.parse(text) as Answer['body'];
    } catch {}
    return { status: res.status, body };
  } catch {
    return { status: 0, body: {} };
  }
}

export function pushDelivery(
  sha: string,
  options: { message?: string; files?: string[]; ref?: string } = {},
): { raw: string; headers: Record<string, string> } {
  const raw = JSON.stringify({
    ref: options.ref ?? 'refs/heads/develop',
    before: '0'.repeat(40),
    after: sha,
    commits: [
      {
        id: sha,
        message: options.message ?? 'fix: login',
        added: [],
        removed: [],
        modified: options.files ?? ['microservices/api/login.ts'],
      },
    ],
    head_commit: { id: sha, message: options.message ?? 'fix: login' },
    repository: { full_name: 'org/team-a', clone_url: 'https://github.com/org/team-a.git' },
  });
  return {
    raw,
    headers: {
      'x-github-event': 'push',
      'x-github-delivery': randomUUID(),
      'x-hub-signature-256': sign(raw),
    },
  };
}

const harborFixtures = join(repoRoot, 'packages/triggers/test/fixtures/harbor');

/** A Harbor webhook body from the repository's fixtures, for another repository/tag/digest. */
export function harborDelivery(
  fixture: 'PUSH_ARTIFACT.json' | 'SCANNING_COMPLETED.no-vulnerabilities.json',
  image: string,
  tag: string,
  digest: string,
): { raw: string; headers: Record<string, string> } {
  const body = JSON.parse(readFileSync(join(harborFixtures, fixture), 'utf8')) as {
    occur_at: number;
    event_data: { resources: Array<Record<string, unknown>>; repository: Record<string, unknown> };
  };
  const [host, ...path] = image.split('/');
  const resource = body.event_data.resources[0] as Record<string, unknown>;
  resource.tag = tag;
  resource.digest = digest;
  resource.resource_url = `${image}:${tag}`;
  const repo = body.event_data.repository;
  repo.name = path.slice(1).join('/');
  repo.namespace = path[0];
  repo.repo_full_name = path.join('/');
  if (!host) throw new Error(image);
  return { raw: JSON.stringify(body), headers: { authorization: harborAuth } };
}

export const digestOf = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;
