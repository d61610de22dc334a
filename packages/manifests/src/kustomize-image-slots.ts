import type { Document, YAMLMap } from 'yaml';
import type { SlotSink } from './image-slot.ts';
import type { ImageTarget } from './resolve-image-target.ts';
import { scalarField } from './scalar-field.ts';
import { stringField } from './string-field.ts';

/**
 * One kustomization `images:` entry. It refers to the target when its `newName` is the image, or,
 * with no `newName`, when its `name` is (an entry whose `name` is the image but whose `newName` is
 * another repository renames it away, so it is not ours). Kustomize renders `newName:newTag@digest`,
 * dropping whichever is empty, so:
 * - pin `tag` sets `newTag`; an entry with a non-empty `digest` is refused (the digest would win);
 * - pin `digest` sets `digest` (and `newTag`, if the entry has one, to the tag, since kustomize
 *   cannot drop it without deleting the key);
 * - pin `tag@digest` sets both, or writes `newTag: tag@digest` when the entry has no `digest` key.
 * Keys are never added or removed: an entry that lacks the key to write is reported instead.
 */
export function kustomizeImageSlots(
  entry: YAMLMap,
  field: string,
  doc: Document,
  target: ImageTarget,
  sink: SlotSink,
): void {
  const newName = stringField(entry, 'newName', doc);
  const matches =
    newName === undefined ? stringField(entry, 'name', doc) === target.image : newName === target.image;
  if (!matches) return;
  const newTag = scalarField(entry, 'newTag', doc);
  const digest = scalarField(entry, 'digest', doc);
  const hasDigest = digest !== undefined && digest.value !== null && digest.value !== '';
  if (target.pin === 'tag' && hasDigest) {
    sink.problems.push(`${field} pins a digest, which would override a new tag; pass a digest too`);
    return;
  }
  if (target.pin !== 'digest' && newTag === undefined) {
    sink.problems.push(`${field} has no newTag to set`);
    return;
  }
  if (target.pin === 'digest' && digest === undefined) {
    sink.problems.push(`${field} has no digest to set`);
    return;
  }
  if (newTag !== undefined) {
    const value =
      target.pin === 'tag@digest' && digest === undefined ? `${target.tag}@${target.digest}` : target.tag;
    sink.slots.push({ node: newTag, field: `${field}.newTag`, value });
  }
  if (digest !== undefined && target.pin !== 'tag' && target.digest !== undefined)
    sink.slots.push({ node: digest, field: `${field}.digest`, value: target.digest });
}
