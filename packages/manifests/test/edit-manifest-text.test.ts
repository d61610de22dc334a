import { describe, expect, it } from 'vitest';
import { editManifestText, resolveImageTarget } from '../src/index.ts';

const image = 'harbor.example.com/team-a/api';
const target = (tag: string) => resolveImageTarget({ image, tag });

function edited(text: string, tag: string, fileName = 'values.yaml'): string {
  const result = editManifestText(text, fileName, target(tag));
  if ('problem' in result) throw new Error(result.problem);
  return result.text;
}

describe('editManifestText', () => {
  // Each of these loads as a number, boolean, null or date in YAML 1.1 or 1.2 when written plain.
  it.each([
    '1e3',
    '0x1F',
    'true',
    '1.10',
    '010',
    'null',
    'yes',
    'on',
    'Off',
    'y',
    '1_000',
    '2024-01-01',
    '12',
  ])('quotes tag %s where the old value was plain, keeps quote styles otherwise', (tag) => {
    const text = `a:\n  repository: ${image}\n  tag: 1.0.0 # c\nb: {repository: ${image}, tag: '1.0.0'}\nc:\n  repository: ${image}\n  tag: "1.0.0"\n`;
    expect(edited(text, tag)).toBe(
      `a:\n  repository: ${image}\n  tag: "${tag}" # c\nb: {repository: ${image}, tag: '${tag}'}\nc:\n  repository: ${image}\n  tag: "${tag}"\n`,
    );
  });

  it('writes a safe tag plain where it was plain, and a ref plain even when the tag alone is not', () => {
    expect(edited(`tag: 1.0\nrepository: ${image}\n`, 'v1.2.3')).toBe(`tag: v1.2.3\nrepository: ${image}\n`);
    expect(edited(`image: ${image}:1.0\n`, '1.10')).toBe(`image: ${image}:1.10\n`);
  });

  it('writes into an empty value, keeping the space after the colon', () => {
    expect(edited(`repository: ${image}\ntag:\n`, '2.0.0')).toBe(`repository: ${image}\ntag: 2.0.0\n`);
  });

  it('returns the same text and no edits when every reference is current', () => {
    const text = `image: ${image}:2.0.0\n`;
    expect(editManifestText(text, 'a.yaml', target('2.0.0'))).toEqual({ text, edits: [] });
  });

  it('names each edit by document and field, with old and new values', () => {
    const result = editManifestText(
      `kind: A\n---\nspec:\n  containers:\n    - image: ${image}:1.0\n`,
      'a.yaml',
      target('2.0'),
    );
    expect(result).toEqual({
      text: `kind: A\n---\nspec:\n  containers:\n    - image: ${image}:2.0\n`,
      edits: [{ field: '[1].spec.containers[0].image', old: `${image}:1.0`, new: `${image}:2.0` }],
    });
  });

  it('edits an anchor once for all its aliases', () => {
    const text = `x: &img ${image}:1.0\na:\n  image: *img\nb:\n  image: *img\n`;
    const result = editManifestText(text, 'a.yaml', target('2.0'));
    expect(result).toEqual({
      text: `x: &img ${image}:2.0\na:\n  image: *img\nb:\n  image: *img\n`,
      edits: [{ field: 'a.image', old: `${image}:1.0`, new: `${image}:2.0` }],
    });
  });

  it.each([
    ['a block scalar image', `image: |-\n  ${image}:1.0\n`, /block scalar/],
    [
      'one anchor needing two values',
      `v: &v ${image}:1.0\nimage: *v\nhelm: {repository: ${image}, tag: *v}\n`,
      /share one anchor/,
    ],
    ['a YAML error', `image: ${image}:1.0\nx: [\n`, /not valid YAML/],
    ['a Helm map without tag', `image:\n  repository: ${image}\n`, /image has no tag to set/],
  ])('refuses %s with a problem', (_name, text, message) => {
    const result = editManifestText(text, 'a.yaml', target('2.0'));
    expect(result).toEqual({ problem: expect.stringMatching(message) });
  });

  it('writes JSON strings double-quoted with JSON escaping', () => {
    expect(edited(`{"image":"${image.replaceAll('/', '\\/')}:1.0"}`, '2.0', 'pod.json')).toBe(
      `{"image":"${image}:2.0"}`,
    );
  });
});
