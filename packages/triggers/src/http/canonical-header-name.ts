const token = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Names already canonicalised: every delivery brings the same few, and rebuilding each one
 * character by character cost ~2 us a delivery.
 */
const seen = new Map<string, string>();

/**
 * Go's `http.CanonicalHeaderKey`: `x-github-event` → `X-Github-Event`. Tekton's CEL `header` map
 * and `$(header.x)` bindings use these names, so filters written for Tekton read the same here.
 * A name with characters outside the HTTP token set is returned unchanged, as Go does.
 */
export function canonicalHeaderName(name: string): string {
  let canonical = seen.get(name);
  if (canonical === undefined) {
    canonical = canonicalise(name);
    // Names come from senders: the memo is bounded, and starts over when full.
    if (seen.size >= 1024) seen.clear();
    seen.set(name, canonical);
  }
  return canonical;
}

function canonicalise(name: string): string {
  if (!token.test(name)) return name;
  let out = '';
  let upper = true;
  for (const ch of name) {
    out += upper ? ch.toUpperCase() : ch.toLowerCase();
    upper = ch === '-';
  }
  return out;
}
