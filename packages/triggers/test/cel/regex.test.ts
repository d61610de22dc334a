import { describe, expect, it } from 'vitest';
import { compileCel } from '../../src/cel/compile-cel.ts';
import { compileRegex, regexProblem } from '../../src/cel/regex.ts';
import { translateRe2 } from '../../src/cel/translate-re2.ts';

/**
 * Tekton's `matches()` and `translate()` are Go RE2: linear time, RE2 syntax. Here they run on
 * V8 RegExp, so patterns are translated from RE2 and must be runnable by V8's linear engine.
 * Expectations follow Go's regexp/syntax documentation.
 */
function matches(pattern: string, text: string): boolean {
  return compileCel(`body.s.matches(${JSON.stringify(pattern)})`).evaluate({
    body: { s: text },
    header: {},
    extensions: {},
    requestURL: '/',
  }) as boolean;
}

describe('RE2 syntax, translated', () => {
  it.each([
    // [pattern, text, RE2 result]
    ['(?i)main', 'refs/heads/MAIN', true],
    ['(?i)^release-v[0-9]+$', 'Release-V12', true],
    ['(?i:feat)ure', 'FEATure', true],
    ['(?i:feat)ure', 'FEATURE', false],
    ['a(?i)b|c', 'C', true], // a flag set mid-group applies to the rest of the group, later alternatives included
    ['(?i)k', '\u212a', true], // Kelvin sign folds with k in RE2
    ['(?i)i', '\u0131', false], // dotless i does not
    ['(?i)[a-c]+$', 'xABC', true],
    ['(?i)[^a]', 'A', false],
    ['^[0-9a-f]{40}$', '6113728f27ae82c7b1a177c8d03f9e96e0adf246', true],
    ['^[0-9a-f]{40}$', '6113728f27ae82c7b1a177c8d03f9e96e0adf24', false],
    ['^v[0-9]{1,3}\\.[0-9]{1,3}$', 'v1.22', true],
    ['^v[0-9]{1,3}\\.[0-9]{1,3}$', 'v1.2222', false],
    ['^a{3,}$', 'aaaa', true],
    ['^a{3,}$', 'aa', false],
    ['^a{0}b$', 'b', true],
    ['[[:alpha:]]+-[[:digit:]]+', 'rc-1', true],
    ['^[[:^digit:]]+$', 'abc', true],
    ['^[[:^digit:]]+$', 'ab1', false],
    ['^[[:xdigit:][:punct:]]+$', 'aF-9', true],
    ['\\Aabc\\z', 'abc', true],
    ['\\Aabc\\z', 'abc\n', false],
    ['abc$', 'abc\n', false], // RE2's $ without (?m) is the end of the text
    ['^\\Q1.2.3\\E$', '1.2.3', true],
    ['^\\Q1.2.3\\E$', '1x2x3', false],
    ['^(?P<major>\\d+)\\.\\d+$', '10.4', true],
    ['^a.c$', 'a\nc', false],
    ['(?s)^a.c$', 'a\nc', true],
    ['^a.c$', 'a\rc', true], // RE2's . excludes only \n
    ['\\s', '\v', false], // RE2's \s is [\t\n\f\r ]
    ['\\s', '\u00a0', false],
    ['^[]a]+$', ']a]', true], // a ] first in a class is literal
    ['^[\\d-]+$', '12-3', true],
    ['\\x41\\x{42}\\101', 'ABA', true],
    ['^\\x{1F600}$', '😀', true],
    ['\\.', 'a.b', true],
    ['a{,2}', 'a{,2}', true], // not a repetition in RE2: literal
    ['^\\-\\/\\_$', '-/_', true],
    ['(?m)a', 'a', true], // (?m) without ^/$ changes nothing
  ])('%s on %j is %s', (pattern, text, expected) => {
    expect(matches(pattern, text)).toBe(expected);
  });

  it.each([
    ['(a)\\1', /backreferences/],
    ['(?P<x>a)(?P=x)', /backreferences/],
    ['\\k<x>', /backreferences/],
    ['a(?=b)', /lookarounds/],
    ['(?<!a)b', /lookarounds/],
    ['\\pL', /Unicode classes/],
    ['\\p{Greek}', /Unicode classes/],
    ['[\\x{1F600}-\\x{1F64F}]', /beyond U\+FFFF/],
    ['(?m)^a$', /multi-line/],
    ['(?U)a+', /ungreedy/],
    ['\\C', /any byte/],
    ['\\e', /invalid escape sequence \\e/],
    ['\\Z', /invalid escape sequence \\Z/],
    ['a**', /nested repetition/],
    ['*a', /missing argument/],
    ['x{1001}', /invalid repeat count/],
    ['x{3,2}', /invalid repeat count/],
    ['(?:a{1000}){1000}', /too large/],
    ['[[:foo:]]', /POSIX class/],
    ['[z-a]', /range/],
    ['(', /missing closing \)/],
    [')', /unexpected \)/],
    ['[a', /missing closing \]/],
    ['a\\', /trailing backslash/],
    ['^*', /anchor/],
  ])('%s is refused: %s', (pattern, message) => {
    expect(regexProblem(pattern)).toMatch(message);
    expect(() => compileCel(`body.s.matches(${JSON.stringify(pattern)})`)).toThrow(
      expect.objectContaining({ code: 'CEL_CHECK', message: expect.stringMatching(message) }),
    );
  });

  it('matches() does not need captures, so a group under {n,m} is unrolled; translate() refuses it', () => {
    expect(matches('^(a|😀){2}$', '😀a')).toBe(true);
    expect(matches('^(?P<x>ab){2,3}$', 'ababab')).toBe(true);
    expect(() => compileCel("body.s.translate('(a){2}', 'x')")).toThrow(
      /capturing group under a counted repetition/,
    );
    expect(regexProblem('(a){2}')).toMatch(/capturing group under a counted repetition/);
    expect(regexProblem('(a){2}', { captures: false })).toBeUndefined();
  });

  it('translates to patterns without flags, so cel-js’s own matches() runs them', () => {
    expect(translateRe2('(?i)ab')).toBe('[Aa][Bb]');
    expect(translateRe2('\\d+')).toBe('[0-9]+');
    expect(translateRe2('a{2,3}')).toBe('(?:aa(?:a)?)');
    expect(translateRe2('(?P<n>x)')).toBe('(?<n>x)');
  });

  it('checks patterns inside macros too', () => {
    expect(() => compileCel("body.commits.exists(c, c.message.matches('(a)\\\\1'))")).toThrow(
      /backreferences/,
    );
    expect(() => compileCel("matches(body.s, 'a(?=b)')")).toThrow(/lookarounds/);
    expect(
      compileCel("body.l.exists(x, x.matches('(?i)^fix'))").evaluate({
        body: { l: ['chore', 'FIX: y'] },
        header: {},
        extensions: {},
        requestURL: '/',
      }),
    ).toBe(true);
  });

  it('refuses a pattern computed from the event (it could be made costly to translate, per event)', () => {
    expect(() => compileCel('body.a.matches(body.b)')).toThrow(/must be a string literal/);
    expect(() => compileCel("body.a.translate(body.b, '-')")).toThrow(/must be a string literal/);
    expect(() => compileCel("body.a.matches('^' + body.b)")).toThrow(/must be a string literal/);
  });

  it('compileRegex caches the translation and reports problems as CEL_EVAL', () => {
    expect(compileRegex('(?i)x', 'g')).toBe(compileRegex('(?i)x', 'g'));
    expect(() => compileRegex('a(?=b)')).toThrow(expect.objectContaining({ code: 'CEL_EVAL' }));
  });
});

describe('ReDoS', () => {
  // V8 switches to its linear engine on excessive backtracking (the flag regex.ts sets): the
  // classic catastrophic patterns finish in milliseconds instead of growing 4x per character.
  it.each([
    ['^(a+)+$', `${'a'.repeat(40)}!`],
    ['^(a|a)*$', `${'a'.repeat(40)}!`],
    ['^(a{1,20})+$', `${'a'.repeat(40)}!`],
    ['(?i)^(a+)+$', `${'A'.repeat(40)}!`],
    ['^([a-z0-9]+[._-]?)+@', `${'a1'.repeat(30)}!`],
  ])('%s on a hostile input finishes fast', (pattern, input) => {
    const program = compileCel(`body.s.matches(${JSON.stringify(pattern)})`);
    const started = performance.now();
    const result = program.evaluate({ body: { s: input }, header: {}, extensions: {}, requestURL: '/' });
    expect(result).toBe(false);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('translate() is guarded the same way', () => {
    const program = compileCel("body.s.translate('(a+)+b', 'x')");
    const started = performance.now();
    expect(
      program.evaluate({ body: { s: `${'a'.repeat(40)}!` }, header: {}, extensions: {}, requestURL: '/' }),
    ).toBe(`${'a'.repeat(40)}!`);
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});
