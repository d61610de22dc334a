import { describe, expect, it } from 'vitest';
import { describeRedisError } from '../src/describe-redis-error.ts';

describe('describeRedisError', () => {
  it('names the address (never the password) and the reason a person can act on', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6399'), { code: 'ECONNREFUSED' });
    expect(describeRedisError('redis://127.0.0.1:6399', refused)).toBe(
      'cannot reach Redis at 127.0.0.1:6399: connection refused',
    );
    expect(
      describeRedisError('redis://:s3cret@redis.internal', new Error('getaddrinfo ENOTFOUND redis.internal')),
    ).toBe('cannot reach Redis at redis.internal:6379: host not found');
    const wrongPass = describeRedisError(
      'redis://:s3cret@h:6380',
      new Error('WRONGPASS invalid username-password pair'),
    );
    expect(wrongPass).toMatch(/^Redis at h:6380 refused the credentials of REDIS_URL/);
    expect(wrongPass).not.toContain('s3cret');
  });
});
