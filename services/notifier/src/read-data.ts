/** Typed reads of a notification's free-form `data` (it is `Record<string, unknown>` on the queue). */
export const readData = {
  text(data: Readonly<Record<string, unknown>>, key: string): string | undefined {
    const v = data[key];
    if (typeof v === 'string' && v !== '') return v;
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
    return undefined;
  },
  number(data: Readonly<Record<string, unknown>>, key: string): number | undefined {
    const v = data[key];
    const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
    return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
  },
  list(data: Readonly<Record<string, unknown>>, key: string): string[] {
    const v = data[key];
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x !== '') : [];
  },
  /**
   * A manifest notification's pull request: the manifest-updater puts it under `data.pr`
   * (`{number, url}`); a template's notification may put `url` and `number` at the top.
   */
  pullRequest(data: Readonly<Record<string, unknown>>): {
    url: string | undefined;
    number: number | undefined;
  } {
    const pr =
      data.pr && typeof data.pr === 'object' && !Array.isArray(data.pr)
        ? (data.pr as Readonly<Record<string, unknown>>)
        : data;
    return { url: readData.text(pr, 'url'), number: readData.number(pr, 'number') };
  },
  /** `{Critical: 1, High: 3}` (Harbor's capitalised keys), counts ≥ 1 only. */
  counts(data: Readonly<Record<string, unknown>>, key: string): Record<string, number> {
    const v = data[key];
    if (!v || typeof v !== 'object' || Array.isArray(v)) return {};
    const out: Record<string, number> = {};
    for (const [k, n] of Object.entries(v)) if (typeof n === 'number' && n > 0) out[k] = n;
    return out;
  },
};
