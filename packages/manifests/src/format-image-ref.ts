import type { ImageTarget } from './resolve-image-target.ts';

/** The full reference a matching `image:` string must become, in the form the target's pin asks for. */
export function formatImageRef(repository: string, target: ImageTarget): string {
  if (target.pin === 'digest') return `${repository}@${target.digest}`;
  if (target.pin === 'tag@digest') return `${repository}:${target.tag}@${target.digest}`;
  return `${repository}:${target.tag}`;
}
