import { describe, expect, it } from 'vitest';
import { CelError } from '../../src/cel/cel-error.ts';
import { celToJson } from '../../src/cel/cel-to-json.ts';
import { type CelActivation, compileCel } from '../../src/cel/compile-cel.ts';

const secrets = {
  read: (name: string, key: string) => (name === 'github' && key === 'token' ? 's3cret' : undefined),
};

function run(expr: string, activation: Partial<CelActivation> = {}): unknown {
  const program = compileCel(expr);
  return celToJson(
    program.evaluate({ body: {}, header: {}, extensions: {}, requestURL: '/', ...activation }, { secrets }),
  );
}

function evalError(expr: string, activation: Partial<CelActivation> = {}): CelError {
  try {
    run(expr, activation);
  } catch (err) {
    expect(err).toBeInstanceOf(CelError);
    return err as CelError;
  }
  throw new Error(`expected ${expr} to fail`);
}

const seed = "body.ref == 'refs/heads/develop' && !body.commits[0].message.startsWith('[Update manifest]')";

describe('the seed CI filter', () => {
  it('fires for a push to develop', () => {
    expect(run(seed, { body: { ref: 'refs/heads/develop', commits: [{ message: 'fix: login' }] } })).toBe(
      true,
    );
  });
  it('skips the manifest bot’s own commit (no build loop)', () => {
    expect(
      run(seed, {
        body: { ref: 'refs/heads/develop', commits: [{ message: '[Update manifest] api 1.4.2' }] },
      }),
    ).toBe(false);
  });
  it('is an error on an empty commits list (so the trigger does not fire)', () => {
    const err = evalError(seed, { body: { ref: 'refs/heads/develop', commits: [] } });
    expect(err.code).toBe('CEL_EVAL');
    expect(err.message).toBe('No such key: list index 0 out of range (at column 38)');
  });
  it('is false for another branch without touching commits (&& short-circuits the error)', () => {
    expect(run(seed, { body: { ref: 'refs/heads/main', commits: [] } })).toBe(false);
  });
});

describe('Tekton semantics (tekton-triggers reference §6)', () => {
  it('JSON numbers are doubles: == and > work, + int is an overload error, + 1.0 works', () => {
    const body = { count: 2 };
    expect(run('body.count == 2', { body })).toBe(true);
    expect(run('body.count > 1', { body })).toBe(true);
    expect(evalError('body.count + 1', { body }).message).toMatch(/no such overload/);
    expect(run('body.count + 1.0', { body })).toBe(3);
    expect(run('int(body.count) + 1', { body })).toBe(3);
  });
  it('a missing key is an error, never null; errors are absorbed by && and ||', () => {
    expect(evalError('body.missing == 1').message).toMatch(/No such key: missing/);
    expect(run('false && body.missing == 1')).toBe(false);
    expect(run('body.missing == 1 && false')).toBe(false);
    expect(run('true || body.missing == 1')).toBe(true);
    expect(run('body.missing == 1 || true')).toBe(true);
    expect(evalError('body.missing == 1 || false').code).toBe('CEL_EVAL');
  });
  it('has() is true for a key holding null and guards only the last step', () => {
    expect(run('has(body.pr)', { body: { pr: null } })).toBe(true);
    expect(run('has(body.pr)', { body: {} })).toBe(false);
    expect(evalError('has(body.a.b)', { body: {} }).code).toBe('CEL_EVAL');
  });
  it('header is canonical name → list of values', () => {
    const header = { 'X-Github-Event': ['push'] };
    expect(run("header['X-Github-Event'][0] == 'push'", { header })).toBe(true);
    expect(run("header.match('x-github-event', 'push')", { header })).toBe(true);
    expect(run("header.match('X-GitHub-Event', 'Push')", { header })).toBe(false);
    expect(run("header.match('X-Missing', '')", { header })).toBe(true);
    expect(run("header.canonical('x-github-event')", { header })).toBe('push');
    expect(run("header.canonical('x-none')", { header })).toBe('');
    expect(evalError("body.match('a', 'b')", { body: { a: 1 } }).message).toMatch(/not a header map/);
  });
  it('truncate counts bytes, keeps short strings, rejects a negative length', () => {
    expect(run('body.sha.truncate(7)', { body: { sha: '6113728f27ae82c7b1a177c8d03f9e96e0adf246' } })).toBe(
      '6113728',
    );
    expect(run("'abc'.truncate(10)")).toBe('abc');
    expect(run("'ééé'.truncate(4)")).toBe('éé');
    expect(evalError("'abc'.truncate(-1)").message).toMatch(/negative/);
  });
  it('compareSecret reads $SIGNALBOX_SECRETS_DIR/<name>/<key>; the namespace argument is ignored', () => {
    expect(run("'s3cret'.compareSecret('token', 'github')")).toBe(true);
    expect(run("'nope'.compareSecret('token', 'github')")).toBe(false);
    expect(run("'s3cret'.compareSecret('token', 'github', 'other-ns')")).toBe(true);
    expect(evalError("'x'.compareSecret('missing', 'github')").message).toMatch(
      /secret github\/missing not found/,
    );
  });
  it('parseJSON takes objects only (null is an empty map, as Go’s json.Unmarshal leaves it)', () => {
    expect(run('body.s.parseJSON().a.b', { body: { s: '{"a":{"b":[1,2]}}' } })).toEqual([1, 2]);
    expect(run('body.s.parseJSON().n + 1.0', { body: { s: '{"n":2}' } })).toBe(3);
    expect(evalError("'[1]'.parseJSON()").message).toMatch(/not a JSON object/);
    expect(run("'null'.parseJSON()")).toEqual({});
    expect(evalError("'{nope'.parseJSON()").message).toBe('parseJSON: the string is not valid JSON');
  });
  it('parseYAML reads YAML 1.1 as sigs.k8s.io/yaml does', () => {
    expect(run("'a: yes\\nb: off\\nc: 1.5\\nd: y\\ne: 0777'.parseYAML()")).toEqual({
      a: true,
      b: false,
      c: 1.5,
      d: true,
      e: 511,
    });
    // go-yaml v2 keeps untagged timestamps (and 1:20) as strings; the last duplicate key wins.
    expect(run("'t: 2001-12-14\\nu: 1:20\\nk: 1\\nk: 2'.parseYAML()")).toEqual({
      t: '2001-12-14',
      u: '1:20',
      k: 2,
    });
    expect(run("''.parseYAML()")).toEqual({});
    expect(run("'1: one'.parseYAML()['1']")).toBe('one');
    expect(evalError("'- a'.parseYAML()").message).toMatch(/not a map/);
    expect(evalError("'a: .inf'.parseYAML()").message).toMatch(/JSON cannot represent/);
    expect(evalError("'a: *secret_anchor'.parseYAML()").message).not.toContain('secret_anchor');
  });
  it('parseURL splits like Go’s net/url', () => {
    expect(run("'https://user:pw@example.com:8443/a%20b/c?x=1&x=2&y=z%2F#frag'.parseURL()")).toEqual({
      scheme: 'https',
      host: 'example.com:8443',
      path: '/a b/c',
      rawQuery: 'x=1&x=2&y=z%2F',
      fragment: 'frag',
      query: { x: '1,2', y: 'z/' },
      queryStrings: { x: ['1', '2'], y: ['z/'] },
      auth: { username: 'user', password: 'pw' },
    });
    expect(run("'/hooks/gh?a=1'.parseURL().path")).toBe('/hooks/gh');
  });
  it('parseURL follows Go: scheme lower-cased, + kept in paths and user info, bad query pairs dropped', () => {
    expect(run("'HTTPS://Example.com/a+b?q=a+b&bad=%zz&semi=1;2&e#x+y'.parseURL()")).toEqual({
      scheme: 'https',
      host: 'Example.com',
      path: '/a+b',
      rawQuery: 'q=a+b&bad=%zz&semi=1;2&e',
      fragment: 'x+y',
      query: { q: 'a b', e: '' },
      queryStrings: { q: ['a b'], e: [''] },
    });
    expect(run("'https://u+1:p%40ss@h/'.parseURL().auth")).toEqual({ username: 'u+1', password: 'p@ss' });
    expect(run("'mailto:dev@example.com'.parseURL()")).toMatchObject({
      scheme: 'mailto',
      path: '',
      host: '',
    });
    expect(run("'example.com/x'.parseURL()")).toMatchObject({ scheme: '', host: '', path: 'example.com/x' });
    expect(evalError("'/a%zz'.parseURL()").message).toBe('parseURL: invalid URL escape');
  });
  it('marshalJSON is compact, key-sorted and HTML-escaped', () => {
    expect(run("{'b': 1, 'a': '<&>'}.marshalJSON()")).toBe('{"a":"\\u003c\\u0026\\u003e","b":1}');
    expect(run("['x', 2].marshalJSON()")).toBe('["x",2]');
  });
  it('first/last give the element or null', () => {
    expect(run('body.l.first()', { body: { l: [1, 2] } })).toBe(1);
    expect(run('body.l.last()', { body: { l: [1, 2] } })).toBe(2);
    expect(run('body.l.first()', { body: { l: [] } })).toBe(null);
  });
  it('translate replaces every match with $1 / ${1} expansion, trailing match included', () => {
    expect(run("'This is $an Invalid5String '.translate('[^a-z0-9]+', 'ABC')")).toBe(
      'ABChisABCisABCanABCnvalid5ABCtringABC',
    );
    expect(run("'v1.2.3'.translate('v(\\\\d+)\\\\.(\\\\d+)\\\\.(\\\\d+)', '${1}-$2-$3')")).toBe('1-2-3');
  });
  it('split keeps the rest with a limit (Go SplitN)', () => {
    expect(run("'refs/heads/feature/x'.split('/', 3)")).toEqual(['refs', 'heads', 'feature/x']);
    expect(run("body.ref.split('/')[2] == 'main'", { body: { ref: 'refs/heads/main' } })).toBe(true);
  });
  it('cel-go extension libraries: encoders, strings, sets, lists, math', () => {
    expect(run("string(base64.decode('aGVsbG8='))")).toBe('hello');
    expect(run("string(base64.decode('aGVsbG8'))")).toBe('hello');
    expect(run("base64.encode(b'hello')")).toBe('aGVsbG8=');
    expect(run("base64.decode('aGVsbG8=')")).toBe('aGVsbG8='); // bytes → base64 in JSON, as Tekton overlays do
    expect(run("'héllo'.charAt(1)")).toBe('é');
    expect(run("'a-b-c'.replace('-', '+', 1)")).toBe('a+b-c');
    expect(run("'abc'.reverse()")).toBe('cba');
    expect(run("'%s is %d'.format(['x', 3])")).toBe('x is 3');
    expect(run("strings.quote('a\"b')")).toBe('"a\\"b"');
    expect(run("['a', 'b'].join('/')")).toBe('a/b');
    expect(evalError("base64.decode('aGVsbG8==')").message).toMatch(/illegal base64/);
    expect(evalError("base64.decode('a')").message).toMatch(/illegal base64/);
    expect(run('math.greatest(1, 2.5, 3u, 0)')).toBe(3);
    expect(run('math.least(4, 3, 9, 1, 7, 8)')).toBe(1);
    expect(run("sets.contains(['a', 'b'], ['b'])")).toBe(true);
    expect(run('sets.equivalent([1, 2], [2, 1, 1])')).toBe(true);
    expect(run('sets.intersects([1], [2])')).toBe(false);
    expect(run('[3, 1, 2].sort()')).toEqual([1, 2, 3]);
    expect(run('[1, 2, 1].distinct()')).toEqual([1, 2]);
    expect(
      run("[{'n': 'b', 'p': 2}, {'n': 'a', 'p': 1}, {'n': 'c', 'p': 1}].sortBy(x, x.p).map(x, x.n)"),
    ).toEqual(['a', 'c', 'b']);
    expect(run('body.files.sortBy(f, f.size()).first()', { body: { files: ['abc', 'a', 'ab'] } })).toBe('a');
    expect(evalError("[1, 'a'].sortBy(x, x)").message).toMatch(/comparable/);
    expect(run('[[1], [2, [3]]].flatten()')).toEqual([1, 2, [3]]);
    expect(run('[1, 2, 3, 4].slice(1, 3)')).toEqual([2, 3]);
    expect(run('lists.range(3)')).toEqual([0, 1, 2]);
    expect(run('math.greatest(1, 5, 3)')).toBe(5);
    expect(run('math.least([4, 2, 8])')).toBe(2);
    expect(run('math.abs(-3)')).toBe(3);
    expect(run('math.ceil(1.2)')).toBe(2);
    expect(run('math.bitOr(1, 4)')).toBe(5);
  });
  it('changed files from the github interceptor filter monorepo paths', () => {
    const extensions = { changed_files: 'docs/a.md,services/api/main.go' };
    expect(
      run("extensions.changed_files.split(',').exists(f, f.startsWith('services/api/'))", { extensions }),
    ).toBe(true);
  });
});

describe('cel-go strings extension: code points, ASCII and Go semantics', () => {
  const body = { t: '😀 fix: ça va 😀' };
  it('indexOf / lastIndexOf / substring / charAt count code points, not UTF-16 units', () => {
    expect(run("body.t.indexOf('f')", { body })).toBe(2);
    expect(run("body.t.indexOf('😀', 1)", { body })).toBe(13);
    expect(run("body.t.lastIndexOf('😀')", { body })).toBe(13);
    expect(run("body.t.lastIndexOf('😀', 12)", { body })).toBe(0);
    expect(run("body.t.lastIndexOf('')", { body })).toBe(14);
    expect(run('body.t.substring(2, 5)', { body })).toBe('fix');
    expect(run('body.t.substring(13)', { body })).toBe('😀');
    expect(run('body.t.charAt(13)', { body })).toBe('😀');
    expect(run('body.t.size()', { body })).toBe(14);
    expect(evalError('body.t.substring(2, 15)', { body }).message).toMatch(/index out of range/);
    expect(evalError("body.t.indexOf('a', 15)", { body }).message).toMatch(/index out of range/);
  });
  it('lowerAscii / upperAscii change ASCII letters only; trim takes Go’s Unicode white space', () => {
    expect(run("'ÇA Va'.lowerAscii()")).toBe('Ça va');
    expect(run("'ça va'.upperAscii()")).toBe('çA VA');
    expect(run("'\\u0085\\u00a0 text\\t'.trim()")).toBe('text');
    expect(run("'\\ufefftext\\u200b'.trim()")).toBe('\ufefftext\u200b');
  });
  it('split on an empty separator yields code points; replace with an empty old inserts between them', () => {
    expect(run("'a😀b'.split('')")).toEqual(['a', '😀', 'b']);
    expect(run("'a😀b'.split('', 2)")).toEqual(['a', '😀b']);
    expect(run("'a,b,c'.split(',', 0)")).toEqual([]);
    expect(run("'a,b,c'.split(',', -1)")).toEqual(['a', 'b', 'c']);
    expect(run("'ab'.replace('', '-')")).toBe('-a-b-');
    expect(run("'ab'.replace('', '-', 2)")).toBe('-a-b');
    expect(run("'aaa'.replace('a', 'b', 0)")).toBe('aaa');
    expect(run("'aaa'.replace('a', 'b', -1)")).toBe('bbb');
  });
  it('strings.quote is Go’s strconv.Quote', () => {
    expect(run("strings.quote('a\\tb\\u0007c\\\\\"')")).toBe('"a\\tb\\ac\\\\\\""');
    expect(run("strings.quote('é\\u0001')")).toBe('"é\\x01"');
  });
  it('format follows cel-go’s clauses', () => {
    expect(run("'%s/%d/%.2f/%e/%x/%X/%o/%b'.format(['a', 42, 3.14159, 1234.5, 255, 'hi', 8, 5])")).toBe(
      'a/42/3.14/1.234500e+03/ff/6869/10/101',
    );
    expect(run("'%s %s %s'.format([[1, 'a'], {'k': true}, null])")).toBe('[1, "a"] {"k": true} null');
    expect(run("'100%%'.format([])")).toBe('100%');
    expect(evalError("'%d'.format([2.5])").message).toMatch(/only be used on integers/);
    expect(evalError("'%q'.format([1])").message).toMatch(/unrecognized formatting clause %q/);
    expect(evalError("'%s %s'.format(['a'])").message).toMatch(/not enough arguments/);
  });
});

describe('checked once at load', () => {
  it('a parse error names the problem and the column', () => {
    expect(() => compileCel('body.a ==')).toThrow('Unexpected token: EOF (at column 10)');
  });
  it.each([
    ['body.a ==', 'CEL_PARSE'],
    ['bdy.ref', 'CEL_CHECK'],
    ["body.ref.startWith('x')", 'CEL_CHECK'],
    ["header.match('X')", 'CEL_CHECK'],
    ['1 == 1.0', 'CEL_CHECK'],
  ])('%s → %s', (expr, code) => {
    expect(() => compileCel(expr)).toThrow(expect.objectContaining({ code }));
  });
  it('a filter must be bool (or dyn)', () => {
    expect(() => compileCel("body.ref + '-x'", { expect: 'bool' })).toThrow(
      /must be a bool expression; this one is string/,
    );
    expect(compileCel('body.flag', { expect: 'bool' }).type).toBe('dyn');
  });
  it('regexes: literal only, linear-engine compatible, RE2-only syntax refused with a hint', () => {
    expect(() => compileCel('body.a.matches(body.b)')).toThrow(/must be a string literal/);
    expect(() => compileCel("body.a.matches('(a)\\\\1')")).toThrow(/backreferences/);
    expect(() => compileCel("body.a.matches('a(?=b)')")).toThrow(/lookarounds/);
    expect(() => compileCel("body.a.matches('\\\\pL')")).toThrow(/Unicode classes/);
    expect(() => compileCel("body.a.translate('(', 'x')")).toThrow(/missing closing \)/);
    expect(run("body.a.matches('^release-[0-9]+$')", { body: { a: 'release-12' } })).toBe(true);
  });
  it('caps expression size and nesting', () => {
    expect(() => compileCel(`${'('.repeat(300)}1${')'.repeat(300)}`)).toThrow(
      expect.objectContaining({ code: 'CEL_PARSE' }),
    );
    expect(() => compileCel(`body.a == '${'x'.repeat(20_000)}'`)).toThrow(/limit is 16384/);
  });
  it('error messages do not echo payload values', () => {
    const err = evalError('body.secret_thing + 1', { body: { secret_thing: 'hunter2' } });
    expect(err.message).not.toContain('hunter2');
    const body = { s: 'hunter2', m: { a: 1 }, l: [1] };
    for (const expr of [
      'body.m[body.s]',
      'body.l[body.s]',
      'duration(body.s)',
      'bool(body.s)',
      'body.s.parseJSON()',
      "(body.s + ': *x').parseYAML()",
      "('%zz' + body.s).parseURL()",
      "base64.decode(body.s + '!')",
      'int(body.s)',
      'timestamp(body.s)',
    ]) {
      const err = evalError(expr, { body });
      const message = err.message;
      expect(message, expr).not.toContain('hunter2');
      expect(err.cause, expr).toBeUndefined();
      expect(message, expr).not.toBe('');
    }
    // A key written in the expression is config, not event data, and is named.
    expect(evalError('body.m.missing_key', { body }).message).toBe('No such key: missing_key (at column 8)');
  });
});

describe('celToJson (overlay results, `signalbox cel eval` output)', () => {
  it('converts ints, uints and doubles to numbers, bytes to base64, maps and lists deeply', () => {
    expect(run("{'i': 1, 'u': 2u, 'd': 1.5, 'b': b'hi', 'l': [true, null], 'm': {1: 'x'}}")).toEqual({
      i: 1,
      u: 2,
      d: 1.5,
      b: 'aGk=',
      l: [true, null],
      m: { '1': 'x' },
    });
  });
  it('refuses what JSON cannot hold instead of writing null', () => {
    expect(evalError('0.0 / 0.0').message).toMatch(/cannot represent NaN/);
    expect(evalError('9223372036854775807').message).toMatch(/too large/);
    expect(evalError("timestamp('2024-01-01T00:00:00Z')").message).toMatch(/CEL timestamp .* string\(/);
    expect(evalError("duration('1h')").message).toMatch(/CEL duration/);
    expect(run("string(timestamp('2024-01-01T00:00:00Z'))")).toBe('2024-01-01T00:00:00Z');
    expect(run("string(timestamp('2024-01-01T00:00:00.120Z'))")).toBe('2024-01-01T00:00:00.12Z');
    expect(run("string(duration('1h'))")).toBe('3600s');
    expect(run("string(duration('1.5s'))")).toBe('1.5s');
  });
});
