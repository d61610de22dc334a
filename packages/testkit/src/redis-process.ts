import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.ts';

/** One `redis-server` (or `redis-server --sentinel`) child process of a test topology. */
export interface RedisProcess {
  readonly port: number;
  /** Its own working directory (cluster `nodes.conf`, sentinel config). */
  readonly dir: string;
  /** Sends a signal: SIGSTOP/SIGCONT freeze and thaw it (replication and gossip stop meanwhile). */
  signal(signal: NodeJS.Signals): void;
  /** SIGKILL, resolved once it has exited. */
  kill(): Promise<void>;
  /** SIGTERM (SIGKILL after 5 s). Safe to call twice. */
  stop(): Promise<void>;
  /** Starts it again (after `kill` or `stop`) on the same port, directory and arguments. */
  restart(): Promise<void>;
}

/**
 * Spawns `redis-server` with `args` (the port and loopback bind are added) in a fresh temp
 * directory, resolved when its log shows `ready` (default: "Ready to accept connections").
 */
export async function startRedisProcess(
  args: readonly string[],
  options: { ready?: RegExp; port?: number; configFile?: (port: number, dir: string) => string } = {},
): Promise<RedisProcess> {
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'sb-redis-'));
  const ready = options.ready ?? /Ready to accept connections/;
  const file = options.configFile?.(port, dir);
  const launch = async (): Promise<ChildProcess> => {
    const child: ChildProcess = spawn(
      'redis-server',
      [...(file ? [file] : []), '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, ...args],
      { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir },
    );
    await new Promise<void>((resolve, reject) => {
      let output = '';
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`redis-server on port ${port} not ready within 10 s:\n${output}`));
      }, 10_000);
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server on port ${port} exited with ${code}:\n${output}`));
      });
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (ready.test(output)) {
          clearTimeout(timer);
          child.removeAllListeners('exit');
          child.stdout?.removeAllListeners('data');
          child.stdout?.resume();
          child.stderr?.resume();
          resolve();
        }
      });
    });
    return child;
  };
  let child = await launch();
  let exited = exitOf(child);
  const alive = () => child.exitCode === null && child.signalCode === null;
  return {
    port,
    dir,
    signal: (signal) => {
      if (alive()) child.kill(signal);
    },
    async kill() {
      if (alive()) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (!alive()) return;
      child.kill('SIGCONT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      child.kill('SIGTERM');
      await exited;
      clearTimeout(timer);
    },
    async restart() {
      if (alive()) throw new Error(`redis-server on port ${port} is still running`);
      child = await launch();
      exited = exitOf(child);
    },
  };
}

const exitOf = (child: ChildProcess) => new Promise<void>((resolve) => child.once('exit', () => resolve()));
