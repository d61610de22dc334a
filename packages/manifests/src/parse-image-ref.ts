/** An image reference split into its parts; `repository` keeps any registry host and port. */
export interface ImageRef {
  repository: string;
  tag?: string;
  digest?: string;
}

/**
 * Splits `repo`, `repo:tag`, `repo@digest` or `repo:tag@digest`. A colon counts as the tag separator
 * only after the last `/`, so the port in `localhost:5000/a/b` stays part of the repository. No
 * Docker Hub normalisation: `nginx` and `docker.io/library/nginx` are different repositories.
 */
export function parseImageRef(ref: string): ImageRef {
  const at = ref.indexOf('@');
  const nameTag = at === -1 ? ref : ref.slice(0, at);
  const digest = at === -1 ? undefined : ref.slice(at + 1);
  const colon = nameTag.lastIndexOf(':');
  const hasTag = colon > nameTag.lastIndexOf('/');
  const result: ImageRef = { repository: hasTag ? nameTag.slice(0, colon) : nameTag };
  if (hasTag) result.tag = nameTag.slice(colon + 1);
  if (digest !== undefined) result.digest = digest;
  return result;
}
