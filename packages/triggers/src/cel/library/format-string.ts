import { fail, plainObject, toNumber } from './cel-values.ts';
import { goQuote } from './go-quote.ts';

/** A value as cel-go's `%s` renders it; strings inside lists and maps are quoted. */
function formatValue(v: unknown, nested: boolean): string {
  if (typeof v === 'string') return nested ? goQuote(v) : v;
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 'NaN';
    if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
    return String(v);
  }
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  if (Array.isArray(v)) return `[${v.map((x) => formatValue(x, true)).join(', ')}]`;
  if (v instanceof Map || plainObject(v)) {
    const entries: Array<[unknown, unknown]> = v instanceof Map ? [...v] : Object.entries(v);
    const parts = entries
      .map(([k, x]) => [formatValue(k, true), formatValue(x, true)] as const)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${parts.map(([k, x]) => `${k}: ${x}`).join(', ')}}`;
  }
  if (v instanceof Date) return v.toISOString().replace('.000Z', 'Z');
  return String(v);
}

function integer(v: unknown, clause: string): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'object' && v !== null && typeof v.valueOf() === 'bigint') return v.valueOf() as bigint;
  return fail(`format: ${clause} can only be used on integers`);
}

/** cel-go's `string.format(list)` clauses: %s %d %f %e %b %o %x %X, precision as in `%.2f`. */
export function formatString(template: string, args: unknown[]): string {
  let i = 0;
  return template.replace(
    /%(?:(%)|(?:\.(\d+))?([a-zA-Z])|$)/g,
    (all, pct?: string, precision?: string, verb?: string) => {
      if (pct) return '%';
      if (!verb) return fail('format: a % at the end of the string');
      if (i >= args.length) return fail(`format: not enough arguments for ${all}`);
      const arg = args[i++];
      const digits = precision === undefined ? 6 : Number(precision);
      switch (verb) {
        case 's':
          return formatValue(arg, false);
        case 'd':
          return String(integer(arg, '%d'));
        case 'f':
          return toNumber(arg).toFixed(digits);
        case 'e': {
          const [mantissa, exp = '0'] = toNumber(arg).toExponential(digits).split('e');
          const sign = exp.startsWith('-') ? '-' : '+';
          return `${mantissa}e${sign}${exp.replace(/^[+-]/, '').padStart(2, '0')}`;
        }
        case 'x':
        case 'X': {
          const hex =
            typeof arg === 'string'
              ? Buffer.from(arg).toString('hex')
              : arg instanceof Uint8Array
                ? Buffer.from(arg).toString('hex')
                : integer(arg, '%x').toString(16);
          return verb === 'X' ? hex.toUpperCase() : hex;
        }
        case 'o':
          return integer(arg, '%o').toString(8);
        case 'b':
          return typeof arg === 'boolean' ? (arg ? '1' : '0') : integer(arg, '%b').toString(2);
        default:
          return fail(`format: unrecognized formatting clause %${verb}`);
      }
    },
  );
}
