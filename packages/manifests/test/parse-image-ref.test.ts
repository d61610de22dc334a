import { describe, expect, it } from 'vitest';
import { parseImageRef } from '../src/index.ts';

const digest = `sha256:${'0'.repeat(64)}`;

describe('parseImageRef', () => {
  it.each([
    ['harbor.example.com/team-a/api', { repository: 'harbor.example.com/team-a/api' }],
    ['harbor.example.com/team-a/api:1.0', { repository: 'harbor.example.com/team-a/api', tag: '1.0' }],
    [`api@${digest}`, { repository: 'api', digest }],
    [`api:1.0@${digest}`, { repository: 'api', tag: '1.0', digest }],
    ['localhost:5000/a/b', { repository: 'localhost:5000/a/b' }],
    ['localhost:5000/a/b:1.0', { repository: 'localhost:5000/a/b', tag: '1.0' }],
    [`localhost:5000/a/b@${digest}`, { repository: 'localhost:5000/a/b', digest }],
    ['nginx', { repository: 'nginx' }],
  ])('%s', (ref, expected) => {
    expect(parseImageRef(ref)).toEqual(expected);
  });
});
