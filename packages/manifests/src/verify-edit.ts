import { isDeepStrictEqual } from 'node:util';
import type { Document } from 'yaml';
import type { ImageSlot } from './image-slot.ts';
import { parseManifest } from './parse-manifest.ts';

function toValues(docs: Document[]): unknown[] {
  // Aliases are already bounded by the parse; an alias bomb must not pass as "unchanged" either.
  return docs.map((doc) => doc.toJS({ maxAliasCount: -1 }));
}

/**
 * Proves a splice did what it meant to: the new text, parsed, must equal the old documents with
 * exactly the slots' scalars set to their new values (aliases of an edited anchor follow it). Any
 * other difference (a broken quote, a number where a string was meant, a shifted key) is returned
 * as a message and the edit must be refused. Mutates the old documents' slot nodes.
 */
export function verifyEdit(
  oldDocs: Document[],
  slots: readonly ImageSlot[],
  newText: string,
  json: boolean,
): string | undefined {
  for (const slot of slots) slot.node.value = slot.value;
  const expected = toValues(oldDocs);
  const parsed = parseManifest(newText);
  if ('error' in parsed) return `edit would break the file: ${parsed.error}`;
  if (!isDeepStrictEqual(toValues(parsed.docs), expected))
    return 'edit would change more than the image fields; left untouched';
  if (json) {
    try {
      JSON.parse(newText.replace(/^\uFEFF/, ''));
    } catch (err) {
      return `edit would break the JSON: ${(err as Error).message}`;
    }
  }
  return undefined;
}
