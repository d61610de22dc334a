import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import type { Logger } from '@signalbox/runtime';

function answers(port: number): Promise<boolean> {
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
 * Local mode only: when no Redis answers on 127.0.0.1:6379, starts a `redis-server` child with its
 * data in `dir` (AOF on, so a restart of `npm start` loses nothing) and stops it on exit.
 */
export async function ensureLocalRedis(dir: string, logger: Logger): Promise<(() => void) | undefined> {
  if (await answers(6379)) return undefined;
  mkdirSync(dir, { recursive: true });
  const child = spawn(
    'redis-server',
    ['--port', '6379', '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--save', ''],
    { stdio: 'ignore' },
  );
  await new Promise<void>((resolve, reject) => {
    child.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'ENOENT'
          ? new Error(
              'no Redis on 127.0.0.1:6379 and redis-server is not installed (apt-get install redis-server)',
            )
          : err,
      ),
    );
    const poll = async () => {
      if (await answers(6379)) return resolve();
      if (child.exitCode !== null) return reject(new Error(`redis-server exited with ${child.exitCode}`));
      setTimeout(poll, 100);
    };
    void poll();
  });
  logger.info({ dir }, 'no Redis on 127.0.0.1:6379: started a local redis-server for this session');
  return () => child.kill('SIGTERM');
}
