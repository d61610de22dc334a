import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { Logger } from '@signalbox/runtime';

const port = 6379;

function answers(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setTimeout(500);
    socket.once('connect', () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/**
 * Local mode only (`signalbox start --local` with no REDIS_URL): when nothing answers on
 * 127.0.0.1:6379, starts a `redis-server` child with its data in `dir` and returns how to stop it;
 * returns undefined when a Redis is already there (it is used as is).
 *
 * No AOF: this is a laptop session, not the production store. An RDB snapshot (every minute with
 * changes, and at shutdown) in `dir` still carries queued jobs and the delivery ledger across a
 * restart of `npm start`. The server runs in its own process group so a Ctrl-C in the terminal
 * reaches only Signalbox, which drains its work and then stops Redis — not both at once.
 */
export async function ensureLocalRedis(
  dir: string,
  logger: Logger,
): Promise<(() => Promise<void>) | undefined> {
  if (await answers()) {
    logger.info({ redis: `redis://127.0.0.1:${port}` }, 'using the Redis already running on 127.0.0.1:6379');
    return undefined;
  }
  mkdirSync(dir, { recursive: true });
  const child = spawn(
    'redis-server',
    [
      ...['--port', String(port), '--bind', '127.0.0.1', '--dir', dir],
      ...['--appendonly', 'no', '--save', '60 1', '--dbfilename', 'dump.rdb'],
      ...['--pidfile', join(dir, 'redis.pid'), '--logfile', join(dir, 'redis.log'), '--daemonize', 'no'],
    ],
    { stdio: 'ignore', detached: true },
  );
  const killOnExit = () => child.kill('SIGTERM');
  // If Signalbox dies without its shutdown path (an uncaught error), Redis must not outlive it.
  process.once('exit', killOnExit);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'ENOENT'
          ? new Error(
              'no Redis answers on 127.0.0.1:6379 and redis-server is not installed: install it ' +
                '(Debian/Ubuntu: apt-get install -y redis-server) or set REDIS_URL',
            )
          : err,
      ),
    );
    const deadline = Date.now() + 10_000;
    const poll = async () => {
      if (await answers()) return resolve();
      if (child.exitCode !== null) {
        return reject(new Error(`redis-server exited with ${child.exitCode}; see ${join(dir, 'redis.log')}`));
      }
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        return reject(new Error(`redis-server did not answer within 10 s; see ${join(dir, 'redis.log')}`));
      }
      setTimeout(poll, 100);
    };
    void poll();
  });
  logger.info(
    { redis: `redis://127.0.0.1:${port}`, dir, pid: child.pid },
    'no Redis was running on 127.0.0.1:6379: started a local redis-server for this session (stopped on exit)',
  );
  return async () => {
    process.off('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM'); // redis-server saves its snapshot, then exits
      await exited;
    }
  };
}
