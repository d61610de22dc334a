import { describe, expect, it } from 'vitest';
import { constantTimeEqual } from '../../src/interceptors/constant-time-equal.ts';

describe('constantTimeEqual', () => {
  it('compares values of any lengths, strings or bytes', () => {
    expect(constantTimeEqual('token', 'token')).toBe(true);
    expect(constantTimeEqual('token', 'token2')).toBe(false);
    expect(constantTimeEqual(Buffer.from('é'), 'é')).toBe(true);
    expect(constantTimeEqual('', '')).toBe(true);
  });

  it('with a public length, only values of exactly that many bytes can be equal', () => {
    const hex = 'a'.repeat(64);
    expect(constantTimeEqual(hex, hex, { publicLength: 64 })).toBe(true);
    expect(constantTimeEqual(hex, `${hex.slice(1)}b`, { publicLength: 64 })).toBe(false);
    expect(constantTimeEqual('short', 'short', { publicLength: 64 })).toBe(false);
    // 63 ASCII characters and an é: 64 characters, 65 bytes.
    expect(constantTimeEqual(`${hex.slice(1)}é`, `${hex.slice(1)}é`, { publicLength: 64 })).toBe(false);
  });
});
