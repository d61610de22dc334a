const unitMs: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/**
 * An ImageUpdatePolicy `minAge` in milliseconds: a Go-style duration of whole hours, minutes,
 * seconds or milliseconds in any combination (`90s`, `10m`, `1h30m`, `0`), as Flux and Argo CD
 * write theirs. Undefined when the text is not one (fractions and µs/ns are not accepted: a
 * settle delay below a millisecond means nothing here).
 */
export function parseMinAge(text: string): number | undefined {
  if (text === '0') return 0;
  if (!/^(\d+(ms|s|m|h))+$/.test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+)(ms|s|m|h)/g)) {
    total += Number(amount) * (unitMs[unit as string] ?? 0);
  }
  return total;
}
