import { describe, expect, it } from 'vitest';
import { resolveImageTarget, SetImageError } from '../src/index.ts';

const digest = `sha256:${'0123456789abcdef'.repeat(4)}`;

function codeOf(request: Parameters<typeof resolveImageTarget>[0]): string | undefined {
  try {
    resolveImageTarget(request);
    return undefined;
  } catch (err) {
    expect(err).toBeInstanceOf(SetImageError);
    return (err as SetImageError).code;
  }
}

describe('resolveImageTarget', () => {
  it('accepts registry ports, the full tag alphabet and a digest pin', () => {
    expect(resolveImageTarget({ image: 'localhost:5000/a/b', tag: '_v1.2-rc.3' })).toEqual({
      image: 'localhost:5000/a/b',
      tag: '_v1.2-rc.3',
      pin: 'tag',
    });
    expect(resolveImageTarget({ image: 'a', tag: 'x'.repeat(128), digest, pin: 'digest' }).digest).toBe(
      digest,
    );
  });

  it.each([
    ['invalid_image', { image: 'harbor.example.com/a/api:1.0', tag: '1' }],
    ['invalid_image', { image: 'harbor.example.com/A/api', tag: '1' }],
    ['invalid_image', { image: '', tag: '1' }],
    ['invalid_tag', { image: 'a', tag: '.1' }],
    ['invalid_tag', { image: 'a', tag: '1 0' }],
    ['invalid_tag', { image: 'a', tag: 'x'.repeat(129) }],
    ['invalid_tag', { image: 'a', tag: '1@sha256' }],
    ['invalid_digest', { image: 'a', tag: '1', digest: 'sha256:ABC' }],
    ['invalid_digest', { image: 'a', tag: '1', digest: `sha512:${'0'.repeat(64)}` }],
    ['invalid_pin', { image: 'a', tag: '1', digest, pin: 'latest' }],
    ['digest_required', { image: 'a', tag: '1', pin: 'tag@digest' }],
  ])('refuses with code %s: %j', (code, request) => {
    expect(codeOf(request)).toBe(code);
  });
});
