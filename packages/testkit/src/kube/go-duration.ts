const unitMs: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * Go's `time.ParseDuration` / `Duration.String()` in milliseconds, for Tekton's
 * `metav1.Duration` fields (`"1h0m0s"`, `"90m"`, `"0"`).
 */
export const goDuration = {
  /** Milliseconds, or undefined when Go would answer `time: invalid duration "…"`. */
  parse(text: string): number | undefined {
    if (text === '0' || text === '+0' || text === '-0') return 0;
    const m = /^([+-]?)((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/.exec(text);
    if (!m) return undefined;
    let total = 0;
    for (const part of text.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) {
      total += Number(part[1]) * (unitMs[part[2] as string] as number);
    }
    return m[1] === '-' ? -total : total;
  },

  /** Go's rendering: `1h0m0s`, `50m0s`, `1m30s`, `1.5s`, `500ms`, `0s`. */
  format(ms: number): string {
    if (ms === 0) return '0s';
    const sign = ms < 0 ? '-' : '';
    let rest = Math.abs(ms);
    if (rest < 1000) return `${sign}${Number(rest.toFixed(6))}ms`;
    const h = Math.floor(rest / 3_600_000);
    rest -= h * 3_600_000;
    const m = Math.floor(rest / 60_000);
    rest -= m * 60_000;
    const s = `${Number((rest / 1000).toFixed(9))}s`;
    if (h > 0) return `${sign}${h}h${m}m${s}`;
    if (m > 0) return `${sign}${m}m${s}`;
    return `${sign}${s}`;
  },
} as const;
