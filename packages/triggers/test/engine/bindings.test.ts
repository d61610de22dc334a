import { describe, expect, it } from 'vitest';
import { parseBindingValue, resolveBindingValue } from '../../src/bindings/binding-value.ts';

const event = {
  body: {
    list: [{ name: 'x' }, { name: 'y', tag: 'b' }, { name: 'z', tag: 'c' }],
    map: { one: 1, two: 2 },
    empty: [],
    text: 'line\u2028sep\ttab',
    float: 1.5,
    flag: false,
    'x-y': 'dashed',
  },
  header: { 'X-Multi': 'a,b,c', 'Content-Type': 'application/json' },
  extensions: { files: ['a.go', 'b.go'] },
  context: { eventID: 'ev' },
};
const bind = (value: string) => resolveBindingValue(parseBindingValue(value), event);

describe('bindings: more of Tekton’s JSONPath rendering (reference §3)', () => {
  it('$(body) and $(header) are the whole objects as compact JSON', () => {
    expect(JSON.parse(bind('$(body)'))).toEqual(event.body);
    expect(bind('$(header)')).toBe('{"X-Multi":"a,b,c","Content-Type":"application/json"}');
  });
  it('slices with open ends, negative starts and steps', () => {
    expect(bind('$(body.list[-1:].name)')).toBe('z');
    expect(bind('$(body.list[:2].name)')).toBe('["x","y"]');
    expect(bind('$(body.list[0:3:2].name)')).toBe('["x","z"]');
  });
  it('wildcards over maps and lists; one match renders as itself, none as []', () => {
    expect(bind('$(body.map.*)')).toBe('[1,2]');
    expect(bind('$(body.list[*].tag)')).toBe('["b","c"]');
    expect(bind("$(body.list[?(@.name == 'y')].tag)")).toBe('b');
    expect(bind('$(body.list[?(@.name == "q")].tag)')).toBe('[]');
    expect(bind('$(body.list[?(@.tag)].name)')).toBe('["y","z"]');
    expect(bind('$(body.empty[*])')).toBe('[]');
  });
  it('quoted bracket keys, numbers, booleans and Go’s escaping of U+2028', () => {
    expect(bind("$(body['x-y'])")).toBe('dashed');
    expect(bind('$(body.float) $(body.flag)')).toBe('1.5 false');
    expect(bind('$(body.text)')).toBe('line\\u2028sep\\ttab');
    expect(bind('$(extensions.files[1])')).toBe('b.go');
  });
  it('multi-valued headers come back comma-joined without spaces', () => {
    expect(bind('$(header.x-multi)')).toBe('a,b,c');
  });
  it('an index out of range or a missing key fails the whole value', () => {
    expect(() => bind('$(body.list[5].name)')).toThrow(/not found/);
    expect(() => bind('ok $(body.map.one) $(body.map.three)')).toThrow(/\$\(body\.map\.three\): not found/);
    expect(() => bind('$(header.x-absent)')).toThrow(/not found/);
  });
  it('a key path selects only own keys of objects: not through lists, strings or inherited names', () => {
    expect(bind('$(body.map.two)')).toBe('2');
    expect(() => bind('$(body.list.name)')).toThrow(/not found/);
    expect(() => bind('$(body.text.length)')).toThrow(/not found/);
    expect(() => bind('$(body.map.constructor)')).toThrow(/not found/);
    expect(() => bind('$(body.flag.x)')).toThrow(/not found/);
  });
  it('strings come out as Go’s encoding/json writes them, whatever they hold', () => {
    const text = (value: string) =>
      resolveBindingValue(parseBindingValue('$(body.v)'), { ...event, body: { v: value } });
    expect(text('6113728f / org/app https://x.y/z?a=1')).toBe('6113728f / org/app https://x.y/z?a=1');
    expect(text('say "hi" \\ <b> & é 😀')).toBe('say \\"hi\\" \\\\ \\u003cb\\u003e \\u0026 é 😀');
    expect(text('nl\n del\u007f ls\u2028 ps\u2029')).toBe('nl\\n del\u007f ls\\u2028 ps\\u2029');
    expect(text('lone \ud800 end')).toBe('lone \\ud800 end');
  });
  it('refuses what is not a binding expression at parse time', () => {
    expect(() => parseBindingValue('$(tt.params.x)')).toThrow(/expected body, header, extensions or context/);
    expect(() => parseBindingValue('$(body.list[?(x)])')).toThrow(/a filter must start with @/);
    expect(() => parseBindingValue('$(body.list[1)')).toThrow(/unclosed \[/);
  });
});
