import { SetImageError } from './set-image-error.ts';

/** How a written reference pins the image: `repo:tag`, `repo@digest` or `repo:tag@digest`. */
export type ImagePin = 'tag' | 'digest' | 'tag@digest';

/** A validated request: what every matching reference must end up pointing at. */
export interface ImageTarget {
  /** Repository, compared exactly (registry[:port]/path, no Docker Hub normalisation). */
  readonly image: string;
  readonly tag: string;
  readonly digest?: string;
  readonly pin: ImagePin;
}

const hostPart = '[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?';
const pathComponent = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
// Docker's reference grammar, without the IPv6 host form nobody uses in a manifest repo.
const repositoryPattern = new RegExp(
  `^(?:${hostPart}(?:\\.${hostPart})*(?::[0-9]+)?/)?${pathComponent}(?:/${pathComponent})*$`,
);
const tagPattern = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const digestPattern = /^sha256:[0-9a-f]{64}$/;
const pins: readonly string[] = ['tag', 'digest', 'tag@digest'];

/**
 * Validates a request up front, so a typo fails with a {@link SetImageError} before any file is
 * read. Only the characters these grammars allow ever reach a manifest, which is what lets the
 * editor write them plain or quoted without surprises.
 */
export function resolveImageTarget(request: {
  image: string;
  tag: string;
  digest?: string | undefined;
  pin?: string | undefined;
}): ImageTarget {
  const { image, tag, digest } = request;
  const pin = request.pin ?? 'tag';
  if (!repositoryPattern.test(image))
    throw new SetImageError(
      'invalid_image',
      `invalid image repository ${JSON.stringify(image)}: expected registry[:port]/path without tag or digest`,
    );
  if (!tagPattern.test(tag))
    throw new SetImageError(
      'invalid_tag',
      `invalid tag ${JSON.stringify(tag)}: expected [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`,
    );
  if (digest !== undefined && !digestPattern.test(digest))
    throw new SetImageError(
      'invalid_digest',
      `invalid digest ${JSON.stringify(digest)}: expected sha256: and 64 lowercase hex digits`,
    );
  if (!pins.includes(pin))
    throw new SetImageError('invalid_pin', `invalid pin ${JSON.stringify(pin)}: expected ${pins.join(', ')}`);
  if (pin !== 'tag' && digest === undefined)
    throw new SetImageError('digest_required', `pin ${pin} needs a digest`);
  const target = { image, tag, pin: pin as ImagePin };
  return digest === undefined ? target : { ...target, digest };
}
