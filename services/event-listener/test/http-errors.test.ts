import { BodyError } from '@signalbox/triggers';
import { describe, expect, it } from 'vitest';
import { httpErrors } from '../src/http-errors.ts';

describe('the HTTP error catalogue', () => {
  it('maps each BodyError code of the trigger engine to the answer senders have always seen', () => {
    const codes: BodyError['code'][] = ['INVALID_BODY', 'UNSUPPORTED_MEDIA_TYPE'];
    const answers = codes.map((c) => new BodyError(c, 'x')).map((e) => httpErrors[e.code]);
    expect(answers.map(({ status, code }) => ({ status, code }))).toEqual([
      { status: 400, code: 'invalid_body' },
      { status: 415, code: 'unsupported_media_type' },
    ]);
  });
  it('keys entries by upper snake case internal codes; the HTTP error values are lower snake case', () => {
    for (const [key, spec] of Object.entries(httpErrors)) {
      expect(key).toMatch(/^[A-Z][A-Z0-9_]*$/);
      expect(spec.code).toMatch(/^[a-z][a-z0-9_]*$/);
      expect(spec.status).toBeGreaterThanOrEqual(400);
    }
  });
});
