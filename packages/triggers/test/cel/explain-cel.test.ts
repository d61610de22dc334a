import { describe, expect, it } from 'vitest';
import { explainCel } from '../../src/cel/explain-cel.ts';

const activation = (body: Record<string, unknown>) => ({
  body,
  header: { 'X-Github-Event': ['push'] },
  extensions: {},
  requestURL: '/hooks/build',
});

describe('explainCel', () => {
  it('names the clause of a false filter and the value it compared', () => {
    const filter =
      "body.ref == 'refs/heads/develop' && !body.head_commit.message.startsWith('[Update manifest]')";
    const explained = explainCel(
      filter,
      activation({ ref: 'refs/heads/main', head_commit: { message: 'fix: typo' } }),
    );
    expect(explained.value).toBe(false);
    const [ref, notUpdate] = explained.children;
    expect(ref).toMatchObject({ source: "body.ref == 'refs/heads/develop'", value: false });
    expect(ref?.children).toEqual([{ source: 'body.ref', value: 'refs/heads/main', children: [] }]);
    expect(notUpdate).toMatchObject({
      source: "!body.head_commit.message.startsWith('[Update manifest]')",
      value: true,
    });
    expect(notUpdate?.children[0]).toMatchObject({
      source: "body.head_commit.message.startsWith('[Update manifest]')",
      value: false,
    });
  });

  it('reports an evaluation error on the clause that raised it, with the engine message', () => {
    const explained = explainCel(
      "header.canonical('X-GitHub-Event') == 'push' || body.missing.x == 1",
      activation({}),
    );
    expect(explained.children[0]).toMatchObject({ value: true });
    expect(explained.children[1]?.error).toMatch(/No such key/);
  });

  it('leaves out what only compiles inside its macro, and keeps the macro', () => {
    const explained = explainCel(
      "body.commits.exists(c, c.id == 'a')",
      activation({ commits: [{ id: 'b' }] }),
    );
    expect(explained).toEqual({ source: "body.commits.exists(c, c.id == 'a')", value: false, children: [] });
  });

  it('keeps parentheses out of the way and refuses a filter that does not compile', () => {
    const explained = explainCel(
      '(body.a == 1 || body.b == 2) && body.c == 3',
      activation({ a: 1, b: 0, c: 4 }),
    );
    expect(explained.children.map((c) => [c.source, c.value])).toEqual([
      ['body.a == 1 || body.b == 2', true],
      ['body.c == 3', false],
    ]);
    expect(() => explainCel('body.ref ==', activation({}))).toThrow(/CEL|Unexpected|end/i);
  });
});

describe('explainCel sources', () => {
  it('balances a nested group after a call', () => {
    const explained = explainCel('size(body.x) > 0 && ((body.a == 1) || body.b == 2)', {
      body: { x: [1], a: 2, b: 2 },
      header: {},
      extensions: {},
      requestURL: '/',
    });
    expect(explained.children.map((c) => c.source)).toEqual([
      'size(body.x) > 0',
      '(body.a == 1) || body.b == 2',
    ]);
  });
});
