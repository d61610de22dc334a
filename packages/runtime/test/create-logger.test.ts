import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/create-logger.ts';
import { pickLogFormat } from '../src/pick-log-format.ts';

function capture() {
  let text = '';
  const destination = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  });
  return { destination, text: () => text };
}

describe('createLogger', () => {
  it('writes JSON lines by default', () => {
    const out = capture();
    createLogger({ destination: out.destination }).info({ port: 8080 }, 'listening');
    expect(JSON.parse(out.text())).toMatchObject({ level: 30, port: 8080, msg: 'listening' });
  });

  it('pretty: a readable line with the local time, level name, message and fields; secrets still redacted', () => {
    const out = capture();
    createLogger({ destination: out.destination, format: 'pretty', colorize: false }).info(
      { port: 8080, token: 'ghp_x' },
      'listening',
    );
    const text = out.text();
    expect(text).toMatch(/^\[\d{2}:\d{2}:\d{2}\.\d{3}\] INFO: listening\n/);
    expect(text).toContain('port: 8080');
    expect(text).toContain('[Redacted]');
    expect(text).not.toContain('ghp_x');
  });

  it('LOG_FORMAT decides when set; otherwise pretty only on a terminal', () => {
    expect(pickLogFormat(undefined, true)).toBe('pretty');
    expect(pickLogFormat(undefined, false)).toBe('json');
    expect(pickLogFormat('json', true)).toBe('json');
    expect(pickLogFormat('pretty', false)).toBe('pretty');
  });
});
