import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.ts';

/** A `redis-server` child process owned by a test run. */
export interface RedisServer {
  readonly url: string;
  readonly port: number;
  /** Stops the server (SIGTERM, then SIGKILL after 5 s). Safe to call twice. */
  stop(): Promise<void>;
  /** Starts it again on the same port (after `stop`), e.g. to test reconnects. */
  restart(): Promise<void>;
}

const notInstalled =
  'redis-server was not found on PATH. Install it (Debian/Ubuntu: `apt-get install -y redis-server`, ' +
  'macOS: `brew install redis`) or point the tests at a running Redis with REDIS_URL=redis://host:port.';

function launch(
  port: number,
  dataDir: string | undefined,
  fsync: 'always' | 'everysec',
  extra: readonly string[] = [],
): Promise<ChildProcess> {
  const persistence = dataDir
    ? ['--appendonly', 'yes', '--appendfsync', fsync, '--dir', dataDir]
    : ['--appendonly', 'no'];
  return new Promise((resolve, reject) => {
    const child = spawn(
      'redis-server',
      // `--save ''` goes last: redis-server misreads the options that follow an empty argument.
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        ...persistence,
        ...extra,
        '--daemonize',
        'no',
        '--save',
        '',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`redis-server did not become ready on port ${port} within 10 s:\n${output}`));
    }, 10_000);
    child.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(err.code === 'ENOENT' ? new Error(notInstalled) : err);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with code ${code} before it was ready:\n${output}`));
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        child.stdout?.removeAllListeners('data');
        child.stdout?.resume();
        child.stderr?.resume();
        resolve(child);
      }
    });
  });
}

function terminate(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.removeAllListeners('exit');
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Starts `redis-server` on a free (or the given) loopback port. Persistence is off unless
 * `persist` (AOF in a temp dir, fsync `always` unless `appendfsync: 'everysec'`, production's usual
 * setting): then a restart keeps the data, as a production Redis with AOF does.
 */
export async function startRedisServer(
  options: {
    port?: number;
    persist?: boolean;
    appendfsync?: 'always' | 'everysec';
    /** More `--option value` arguments (e.g. `['--maxmemory-policy', 'allkeys-lru']`). */
    args?: readonly string[];
  } = {},
): Promise<RedisServer> {
  const fsync = options.appendfsync ?? 'always';
  const port = options.port ?? (await freePort());
  const dataDir = options.persist ? mkdtempSync(join(tmpdir(), 'sb-redis-')) : undefined;
  let child: ChildProcess | undefined = await launch(port, dataDir, fsync, options.args);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      await terminate(child);
      child = undefined;
    },
    async restart() {
      await terminate(child);
      child = await launch(port, dataDir, fsync, options.args);
    },
  };
}
