import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../src/create-logger.ts';
import { onShutdown } from '../src/on-shutdown.ts';

const lines: string[] = [];
const logger = createLogger({
  destination: new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  }),
});
let remove: (() => void) | undefined;
afterEach(() => {
  remove?.();
  lines.length = 0;
});

/** A stop() that finishes when the test says so. */
function pendingStop() {
  let finish = () => {};
  const done = new Promise<void>((resolve) => (finish = resolve));
  return { stop: () => done, finish };
}

describe('onShutdown', () => {
  it('signals arriving together (terminal group + npm forwarding) are one: drain, then exit 0', async () => {
    const exits: number[] = [];
    let clock = 1_000;
    const { stop, finish } = pendingStop();
    remove = onShutdown(stop, { timeoutMs: 10_000, logger, exit: (c) => exits.push(c), now: () => clock });
    process.emit('SIGINT');
    clock += 5;
    process.emit('SIGINT');
    clock += 5;
    process.emit('SIGINT');
    expect(exits).toEqual([]);
    finish();
    await new Promise((r) => setImmediate(r));
    expect(exits).toEqual([0]);
    expect(lines.join('')).toContain('shutdown complete');
    expect(lines.join('')).not.toContain('second signal');
  });

  it('a second Ctrl-C later in the drain exits 1 at once', () => {
    const exits: number[] = [];
    let clock = 1_000;
    remove = onShutdown(pendingStop().stop, {
      timeoutMs: 10_000,
      logger,
      exit: (c) => exits.push(c),
      now: () => clock,
    });
    process.emit('SIGINT');
    clock += 3_000;
    process.emit('SIGINT');
    expect(exits).toEqual([1]);
    expect(lines.join('')).toContain('second signal: exiting now');
  });
});
