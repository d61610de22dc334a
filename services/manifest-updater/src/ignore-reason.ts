import type { ImageUpdatePolicySpec } from '@signalbox/triggers';

/** `sha256-<hex>` optionally followed by `.sig`, `.att`, `.sbom`…: cosign/notation/SBOM accessories. */
const accessoryTag = /^sha256-[0-9a-f]{64}(\.[A-Za-z0-9_-]+)*$/;

/**
 * Why a pushed image is not an update candidate under the policy's `ignore` rules, or undefined.
 * Harbor reports a push by digest with the digest (or nothing) as its tag; multi-arch children
 * always arrive that way, before the index that carries the tag.
 */
export function ignoreReason(
  ignore: ImageUpdatePolicySpec['ignore'],
  image: { tag: string; digest?: string | undefined },
): string | undefined {
  const tag = image.tag;
  if (ignore.digestOnly && (tag === '' || tag.startsWith('sha256:') || tag === image.digest)) {
    return 'a push by digest (no human tag: a multi-arch child or an untagged artifact)';
  }
  if (ignore.accessories && accessoryTag.test(tag)) return `tag ${tag} is a signature/SBOM accessory`;
  const hit = ignore.tags.find((p) => new RegExp(p).test(tag));
  return hit === undefined ? undefined : `tag ${tag} matches ignore pattern ${hit}`;
}
