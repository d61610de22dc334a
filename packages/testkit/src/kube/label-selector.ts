/** Parses and matches a Kubernetes label selector string (`a=b,c!=d,e in (x,y),f notin (z),g,!h`). */
export function matchesLabelSelector(selector: string | undefined, labels: Record<string, string>): boolean {
  if (!selector) return true;
  const terms = selector.match(/[^,(]+(\([^)]*\))?/g) ?? [];
  return terms.every((raw) => {
    const term = raw.trim();
    if (term === '') return true;
    let m = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
    if (m) {
      const values = (m[3] ?? '').split(',').map((v) => v.trim());
      const has = Object.hasOwn(labels, m[1] ?? '');
      return m[2] === 'in'
        ? has && values.includes(labels[m[1] ?? ''] ?? '')
        : !has || !values.includes(labels[m[1] ?? ''] ?? '');
    }
    m = /^(\S+?)\s*(==|!=|=)\s*(\S*)$/.exec(term);
    if (m) return m[2] === '!=' ? labels[m[1] ?? ''] !== m[3] : labels[m[1] ?? ''] === m[3];
    if (term.startsWith('!')) return !Object.hasOwn(labels, term.slice(1));
    return Object.hasOwn(labels, term);
  });
}
