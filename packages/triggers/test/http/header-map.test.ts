import { describe, expect, it } from 'vitest';
import { canonicalHeaderName } from '../../src/http/canonical-header-name.ts';
import { toHeaderMap } from '../../src/http/to-header-map.ts';

describe('canonicalHeaderName (Go http.CanonicalHeaderKey)', () => {
  it.each([
    ['x-github-event', 'X-Github-Event'],
    ['X-GitHub-Event', 'X-Github-Event'],
    ['content-type', 'Content-Type'],
    ['WWW-AUTHENTICATE', 'Www-Authenticate'],
    ['x-hub-signature-256', 'X-Hub-Signature-256'],
    ['x_custom_header', 'X_custom_header'], // only a hyphen starts a new word
    ['-leading', '-Leading'],
    ['x y', 'x y'], // a space is not a token character: unchanged, as Go does
    ['x-é', 'x-é'],
    ['', ''],
  ])('%j → %j', (name, canonical) => {
    expect(canonicalHeaderName(name)).toBe(canonical);
  });
});

describe('toHeaderMap (Node headers → Go http.Header)', () => {
  it('keys by canonical name, each value a list; arrays stay lists; undefined is dropped', () => {
    expect(
      toHeaderMap({
        'x-github-event': 'push',
        'set-cookie': ['a=1', 'b=2'],
        'x-absent': undefined,
      }),
    ).toEqual({ 'X-Github-Event': ['push'], 'Set-Cookie': ['a=1', 'b=2'] });
  });
  it('merges names that canonicalise alike, in order (headersDistinct-style input stays exact)', () => {
    expect(toHeaderMap({ 'X-Tag': ['a'], 'x-tag': ['b', 'c'] })).toEqual({ 'X-Tag': ['a', 'b', 'c'] });
  });
  it('keeps a value Node already joined as one string (Go would have two entries)', () => {
    expect(toHeaderMap({ accept: 'text/html, application/json' })).toEqual({
      Accept: ['text/html, application/json'],
    });
  });
});
