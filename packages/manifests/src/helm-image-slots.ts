import type { Document, YAMLMap } from 'yaml';
import type { SlotSink } from './image-slot.ts';
import type { ImageTarget } from './resolve-image-target.ts';
import { scalarField } from './scalar-field.ts';
import { stringField } from './string-field.ts';

/**
 * A Helm-values style image map anywhere in the tree: `repository` (joined as `registry/repository`
 * when a `registry` key is present) equal to the image, with `tag` and/or `digest` beside it.
 * Charts read these keys in different ways, so the edit is the one that is right for all of them:
 * `tag` always gets the tag; `digest` gets the digest under a digest pin and is emptied under a
 * tag pin (a stale digest would otherwise win in charts that prefer it). Under pin `tag@digest`
 * with no `digest` key, `tag` becomes `tag@digest`, which the usual `repo:tag` template renders
 * right.
 */
export function helmImageSlots(
  map: YAMLMap,
  field: string,
  doc: Document,
  target: ImageTarget,
  sink: SlotSink,
): void {
  const repository = stringField(map, 'repository', doc);
  if (repository === undefined) return;
  const registry = stringField(map, 'registry', doc);
  const full = registry === undefined || registry === '' ? repository : `${registry}/${repository}`;
  if (full !== target.image) return;
  const tag = scalarField(map, 'tag', doc);
  const digest = scalarField(map, 'digest', doc);
  if (target.pin === 'digest' && digest === undefined) {
    sink.problems.push(`${field} has no digest to set`);
    return;
  }
  if (tag === undefined && digest === undefined) {
    sink.problems.push(`${field} has no tag to set`);
    return;
  }
  if (tag !== undefined) {
    const value =
      target.pin === 'tag@digest' && digest === undefined ? `${target.tag}@${target.digest}` : target.tag;
    sink.slots.push({ node: tag, field: `${field}.tag`, value });
  }
  if (digest !== undefined) {
    const empty = digest.value === null || digest.value === '';
    if (target.digest !== undefined && target.pin !== 'tag')
      sink.slots.push({ node: digest, field: `${field}.digest`, value: target.digest });
    else if (!empty) sink.slots.push({ node: digest, field: `${field}.digest`, value: '' });
  }
}
