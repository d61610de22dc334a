/**
 * Sets `value` at an sjson-style dotted path (`a.b` → `{a: {b: …}}`, `\.` escapes a dot, a
 * numeric segment under an array indexes it), as Tekton's CEL overlays write `extensions`.
 */
export function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split(/(?<!\\)\./).map((k) => k.replace(/\\\./g, '.'));
  let node: Record<string, unknown> | unknown[] = target;
  keys.forEach((key, i) => {
    const last = i === keys.length - 1;
    const container = node as Record<string, unknown>;
    if (last) {
      container[key] = value;
      return;
    }
    const next = container[key];
    if (next === null || typeof next !== 'object') container[key] = {};
    node = container[key] as Record<string, unknown>;
  });
}
