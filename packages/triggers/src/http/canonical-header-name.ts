const token = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Go's `http.CanonicalHeaderKey`: `x-github-event` → `X-Github-Event`. Tekton's CEL `header` map
 * and `$(header.x)` bindings use these names, so filters written for Tekton read the same here.
 * A name with characters outside the HTTP token set is returned unchanged, as Go does.
 */
export function canonicalHeaderName(name: string): string {
  if (!token.test(name)) return name;
  let out = '';
  let upper = true;
  for (const ch of name) {
    out += upper ? ch.toUpperCase() : ch.toLowerCase();
    upper = ch === '-';
  }
  return out;
}
