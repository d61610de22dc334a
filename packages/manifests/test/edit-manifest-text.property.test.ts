import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { editManifestText, resolveImageTarget } from '../src/index.ts';

const image = 'harbor.example.com/team-a/api';
const others = [
  'harbor.example.com/team-a/api-gateway',
  'harbor.example.com/team-a',
  'localhost:5000/team-a/api',
];
const tagArb = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,12}$/),
  fc.constantFrom('1.10', 'true', '010', '1e3', 'on', 'null', '0x1F', 'yes', '2024-01-01', '1_000'),
);
const quoteArb = fc.constantFrom('plain', 'single', 'double');
type Quote = 'plain' | 'single' | 'double';

/** One image reference in the generated file: where it sits, how it is written, what it holds. */
interface Slot {
  kind: 'container' | 'helm' | 'note';
  repository: string;
  tag: string;
  quote: Quote;
  tagQuote: Quote;
  flow: boolean;
  comment: boolean;
}

const slotArb: fc.Arbitrary<Slot> = fc.record({
  kind: fc.constantFrom('container', 'helm', 'note'),
  repository: fc.constantFrom(image, ...others),
  tag: tagArb,
  quote: quoteArb,
  tagQuote: quoteArb,
  flow: fc.boolean(),
  comment: fc.boolean(),
});

function quoted(value: string, quote: Quote): string {
  if (quote === 'single') return `'${value}'`;
  if (quote === 'double') return `"${value}"`;
  return value;
}

/** The file text, and the indexes of the lines that hold a reference to the target image. */
function emit(
  slots: Slot[],
  indent: number,
  eol: string,
  finalNewline: boolean,
): { text: string; editable: Set<number> } {
  const pad = ' '.repeat(indent);
  const lines = ['# generated'];
  const editable = new Set<number>();
  slots.forEach((slot, i) => {
    const comment = slot.comment ? `  # keep ${i}` : '';
    const ref = quoted(`${slot.repository}:${slot.tag}`, slot.quote);
    if (slot.kind === 'note')
      lines.push(`k${i}: {note: ${quoted(`${slot.repository}:${slot.tag}`, 'double')}}${comment}`);
    else if (slot.kind === 'container' && slot.flow)
      lines.push(`k${i}: {containers: [{name: c${i}, image: ${ref}}]}${comment}`);
    else if (slot.kind === 'container')
      lines.push(`k${i}:`, `${pad}containers:`, `${pad}- name: c${i}`, `${pad}  image: ${ref}${comment}`);
    else {
      const repository = quoted(slot.repository, slot.quote);
      const tag = quoted(slot.tag, slot.tagQuote);
      if (slot.flow) lines.push(`k${i}: {repository: ${repository}, tag: ${tag}}${comment}`);
      else lines.push(`k${i}:`, `${pad}repository: ${repository}`, `${pad}tag: ${tag}${comment}`);
    }
    // The reference (image, or the Helm tag) is always the last line a slot writes.
    if (slot.repository === image && slot.kind !== 'note') editable.add(lines.length - 1);
  });
  return { text: lines.join(eol) + (finalNewline ? eol : ''), editable };
}

/** The values the file must hold after the edit, from the model rather than from the editor. */
function expectedValues(
  slots: Slot[],
  newTag: string,
  before: Record<string, unknown>,
): Record<string, unknown> {
  const expected = structuredClone(before);
  slots.forEach((slot, i) => {
    if (slot.repository !== image || slot.kind === 'note') return;
    if (slot.kind === 'container')
      expected[`k${i}`] = { containers: [{ name: `c${i}`, image: `${image}:${newTag}` }] };
    else expected[`k${i}`] = { repository: image, tag: newTag };
  });
  return expected;
}

const parseOne = (text: string) => parseAllDocuments(text)[0]?.toJS() as Record<string, unknown>;

describe('editManifestText on generated manifests', () => {
  it('changes exactly the matching values, only on their lines, keeps line endings, and is idempotent', () => {
    fc.assert(
      fc.property(
        fc.array(slotArb, { minLength: 1, maxLength: 6 }),
        tagArb,
        fc.constantFrom(2, 4),
        fc.constantFrom('\n', '\r\n'),
        fc.boolean(),
        (slots, newTag, indent, eol, finalNewline) => {
          const { text, editable } = emit(slots, indent, eol, finalNewline);
          const target = resolveImageTarget({ image, tag: newTag });
          const result = editManifestText(text, 'values.yaml', target);
          if ('problem' in result) throw new Error(result.problem);

          expect(parseOne(result.text)).toEqual(expectedValues(slots, newTag, parseOne(text)));
          const before = text.split(eol);
          const after = result.text.split(eol);
          expect(after).toHaveLength(before.length);
          after.forEach((line, i) => {
            if (line !== before[i]) expect(editable.has(i), line).toBe(true);
            expect(line.includes('\n') || line.endsWith('\r')).toBe(false);
            if (before[i]?.includes('# keep'))
              expect(line.slice(line.indexOf('  # keep'))).toBe(
                before[i]?.slice(before[i].indexOf('  # keep')),
              );
          });

          expect(editManifestText(result.text, 'values.yaml', target)).toEqual({
            text: result.text,
            edits: [],
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});
