import { describe, expect, it } from 'vitest';
import { parseFieldSelector } from '../../src/kube/field-selector.ts';
import { goDuration } from '../../src/kube/go-duration.ts';
import { applyJsonPatch } from '../../src/kube/json-patch.ts';
import { parseLabelSelector } from '../../src/kube/label-selector.ts';
import { applyMergePatch } from '../../src/kube/merge-patch.ts';
import { validateObjectMeta } from '../../src/kube/validate-object-meta.ts';
import { validationRules as rules } from '../../src/kube/validation-rules.ts';

describe('apimachinery validation rules', () => {
  it('accepts and refuses label values exactly at the edges', () => {
    expect(rules.isValidLabelValue('')).toEqual([]);
    expect(rules.isValidLabelValue('a')).toEqual([]);
    expect(rules.isValidLabelValue('A.b_c-9')).toEqual([]);
    expect(rules.isValidLabelValue('x'.repeat(63))).toEqual([]);
    expect(rules.isValidLabelValue('x'.repeat(64))).toEqual(['must be no more than 63 characters']);
    for (const bad of ['-a', 'a-', '_a', 'a b', 'feature/x', 'é'])
      expect(rules.isValidLabelValue(bad)).toHaveLength(1);
  });

  it('splits qualified names into prefix and name parts with apimachinery’s messages', () => {
    expect(rules.isQualifiedName('app.kubernetes.io/managed-by')).toEqual([]);
    expect(rules.isQualifiedName('/x')).toEqual(['prefix part must be non-empty']);
    expect(rules.isQualifiedName('Example.com/x')[0]).toMatch(
      /^prefix part a lowercase RFC 1123 subdomain must/,
    );
    expect(rules.isQualifiedName('x/')).toContain('name part must be non-empty');
    expect(rules.isQualifiedName(`x/${'n'.repeat(64)}`)).toEqual([
      'name part must be no more than 63 characters',
    ]);
    expect(rules.isQualifiedName('a/b/c')[0]).toMatch(
      /^a qualified name must consist of .* with an optional DNS subdomain prefix and '\/' \(e\.g\. 'example\.com\/MyName'\)$/,
    );
  });

  it('masks a trailing dash of a generateName prefix the upstream way', () => {
    expect(rules.maskTrailingDash('build-')).toBe('buila');
    expect(rules.maskTrailingDash('ab-')).toBe('aa');
    expect(rules.maskTrailingDash('-')).toBe('-');
    expect(rules.isDNS1123Subdomain(rules.maskTrailingDash('build-'))).toEqual([]);
  });

  it('validates ObjectMeta in apimachinery’s order, requiring a name and a namespace where needed', () => {
    const errs = validateObjectMeta({ labels: { ok: 'yes' } }, { namespaced: true, nameRule: 'subdomain' });
    expect(errs).toEqual([
      { type: 'FieldValueRequired', field: 'metadata.name', detail: 'name or generateName is required' },
      { type: 'FieldValueRequired', field: 'metadata.namespace', detail: '' },
    ]);
    expect(
      validateObjectMeta({ name: 'a.b', namespace: 'ci' }, { namespaced: true, nameRule: 'subdomain' }),
    ).toEqual([]);
    expect(validateObjectMeta({ name: 'a.b' }, { namespaced: false, nameRule: 'label' })[0]?.field).toBe(
      'metadata.name',
    );
    expect(
      validateObjectMeta(
        { name: 'x', finalizers: ['bad finalizer'] },
        { namespaced: false, nameRule: 'subdomain' },
      )[0]?.field,
    ).toBe('metadata.finalizers');
  });
});

describe('label selectors', () => {
  const labels = { app: 'api', tier: '2', empty: '' };
  const match = (s: string) => parseLabelSelector(s).matches(labels);

  it('matches like labels.Parse, including empty values and absent keys', () => {
    expect(match('app=api,tier==2')).toBe(true);
    expect(match('empty=')).toBe(true);
    expect(match('missing!=x')).toBe(true);
    expect(match('missing notin (x)')).toBe(true);
    expect(match('missing in (x)')).toBe(false);
    expect(match('app in (web,)')).toBe(false);
    expect(match('empty in (,x)')).toBe(true);
    expect(match('  app = api ,  !missing ')).toBe(true);
    expect(match('tier>1,tier<3')).toBe(true);
    expect(match('app>1')).toBe(false);
    expect(parseLabelSelector('').empty).toBe(true);
  });

  it('refuses malformed selectors with the parser’s messages', () => {
    const error = (s: string) => {
      try {
        parseLabelSelector(s);
      } catch (err) {
        return (err as Error).message;
      }
      return 'parsed';
    };
    expect(error('a=b=c')).toBe("found '=', expected: ',' or 'end of string'");
    expect(error(',a')).toBe("found ',', expected: !, identifier, or 'end of string'");
    expect(error('a,')).toBe("found '', expected: identifier after ','");
    expect(error('a in (b')).toBe("unable to parse requirement: found '', expected: ',' or ')'");
    expect(error('a>b')).toBe(
      `unable to parse requirement: values[0]: Invalid value: "b": for 'Gt', 'Lt' operators, the value must be an integer`,
    );
    expect(error('bad key=x')).toBe(
      "unable to parse requirement: found 'key', expected: in, notin, =, ==, !=, gt, lt",
    );
    expect(error('-a=x')).toMatch(
      /^unable to parse requirement: key: Invalid value: "-a": name part must consist/,
    );
  });
});

describe('field selectors', () => {
  it('matches metadata.name and metadata.namespace, with escapes, and refuses other fields', () => {
    const o = { metadata: { name: 'a,b', namespace: 'ci' } };
    expect(parseFieldSelector('metadata.name=a\\,b,metadata.namespace!=qa').matches(o)).toBe(true);
    expect(parseFieldSelector('metadata.namespace==qa').matches(o)).toBe(false);
    expect(() => parseFieldSelector('status.phase=Running')).toThrow(
      'field label not supported: status.phase',
    );
  });
});

describe('patches', () => {
  it('merge patch: null deletes, objects merge, arrays replace', () => {
    expect(applyMergePatch({ a: { b: 1, c: 2 }, l: [1, 2] }, { a: { b: null, d: 3 }, l: [3] })).toEqual({
      a: { c: 2, d: 3 },
      l: [3],
    });
  });

  it('JSON patch: all six operations, pointer escapes, and errors that leave the target untouched', () => {
    const target = { metadata: { labels: { 'a/b': '1' } }, list: [1, 2] };
    expect(
      applyJsonPatch(target, [
        { op: 'replace', path: '/metadata/labels/a~1b', value: '2' },
        { op: 'move', from: '/list/0', path: '/list/-' },
        { op: 'copy', from: '/list', path: '/copy' },
        { op: 'test', path: '/copy', value: [2, 1] },
        { op: 'remove', path: '/list/1' },
      ]),
    ).toEqual({ metadata: { labels: { 'a/b': '2' } }, list: [2], copy: [2, 1] });
    expect(target).toEqual({ metadata: { labels: { 'a/b': '1' } }, list: [1, 2] });
    expect(() => applyJsonPatch(target, [{ op: 'add', path: '/x/y', value: 1 }])).toThrow(
      'add operation does not apply: doc is missing path: "/x/y": missing value',
    );
    expect(() => applyJsonPatch(target, [{ op: 'replace', path: '/nope', value: 1 }])).toThrow(
      'replace operation does not apply: doc is missing key: /nope: missing value',
    );
    expect(() => applyJsonPatch(target, [{ op: 'add', path: '/list/5', value: 1 }])).toThrow(
      'Unable to access invalid index: 5: invalid index referenced',
    );
    expect(() => applyJsonPatch(target, [{ op: 'test', path: '/list', value: [] }])).toThrow(
      'testing value /list failed',
    );
    expect(() => applyJsonPatch(target, [{ op: 'merge', path: '/list' }])).toThrow('Unexpected kind: merge');
  });
});

describe('Go durations (Tekton timeouts)', () => {
  it('parses and prints like time.ParseDuration and Duration.String', () => {
    expect(goDuration.parse('1h0m0s')).toBe(3_600_000);
    expect(goDuration.parse('1.5h')).toBe(5_400_000);
    expect(goDuration.parse('90m')).toBe(5_400_000);
    expect(goDuration.parse('0')).toBe(0);
    expect(goDuration.parse('-1s')).toBe(-1000);
    expect(goDuration.parse('1 hour')).toBeUndefined();
    expect(goDuration.parse('10')).toBeUndefined();
    expect(goDuration.format(3_600_000)).toBe('1h0m0s');
    expect(goDuration.format(3_000_000)).toBe('50m0s');
    expect(goDuration.format(90_000)).toBe('1m30s');
    expect(goDuration.format(1500)).toBe('1.5s');
    expect(goDuration.format(500)).toBe('500ms');
    expect(goDuration.format(0)).toBe('0s');
  });
});
