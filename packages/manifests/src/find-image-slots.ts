import { type Document, isAlias, isMap, isScalar, isSeq, type Node } from 'yaml';
import { formatImageRef } from './format-image-ref.ts';
import { helmImageSlots } from './helm-image-slots.ts';
import type { SlotSink } from './image-slot.ts';
import { kustomizeImageSlots } from './kustomize-image-slots.ts';
import { parseImageRef } from './parse-image-ref.ts';
import type { ImageTarget } from './resolve-image-target.ts';
import { stringField } from './string-field.ts';

function join(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return parent === '' ? key : `${parent}.${key}`;
}

function isKustomization(doc: Document, kustomizationFile: boolean): boolean {
  if (kustomizationFile) return true;
  if (!isMap(doc.contents)) return false;
  return (
    stringField(doc.contents, 'kind', doc) === 'Kustomization' &&
    (stringField(doc.contents, 'apiVersion', doc) ?? '').startsWith('kustomize.config.k8s.io/')
  );
}

/**
 * Every scalar in one document that refers to the target image: any `image:` string whose
 * repository is the image (containers, initContainers, ephemeralContainers of every workload kind,
 * CRDs such as Argo Rollouts or Tekton steps, Helm's `image: repo:tag`), Helm-style
 * `repository`/`tag` maps anywhere, and a kustomization's top-level `images:` entries. Matching is
 * on parsed values, never on text, so comments, annotations, env values and block scalars (an
 * embedded compose file) are not references. Aliases are not descended into: their anchor is
 * visited where it is defined.
 */
export function findImageSlots(
  doc: Document,
  kustomizationFile: boolean,
  target: ImageTarget,
  sink: SlotSink,
): void {
  const visit = (node: Node | null | undefined, field: string): void => {
    if (isSeq(node))
      node.items.forEach((item, index) => {
        visit(item as Node, join(field, index));
      });
    if (!isMap(node)) return;
    helmImageSlots(node, field, doc, target, sink);
    for (const pair of node.items) {
      if (!isScalar(pair.key) || isAlias(pair.key)) continue;
      const key = String(pair.key.value);
      const value = isAlias(pair.value) ? pair.value.resolve(doc) : pair.value;
      if (key === 'image' && isScalar(value) && typeof value.value === 'string') {
        const ref = parseImageRef(value.value);
        if (ref.repository === target.image)
          sink.slots.push({
            node: value,
            field: join(field, key),
            value: formatImageRef(ref.repository, target),
          });
      }
      if (!isAlias(pair.value)) visit(pair.value as Node | null, join(field, key));
    }
  };
  visit(doc.contents, '');
  if (!isKustomization(doc, kustomizationFile) || !isMap(doc.contents)) return;
  const images = doc.contents.get('images', true);
  if (!isSeq(images)) return;
  images.items.forEach((item, index) => {
    const entry = isAlias(item) ? item.resolve(doc) : item;
    if (isMap(entry)) kustomizeImageSlots(entry, `images[${index}]`, doc, target, sink);
  });
}
