/**
 * Translates an RE2 pattern (Go `regexp`, what Tekton's `matches()` and `translate()` run) into a
 * JavaScript pattern with the same meaning that needs no flags and that V8's linear-time engine
 * can run, so `--enable-experimental-regexp-engine-on-excessive-backtracks` covers it (ReDoS).
 *
 * Translated: `(?i)` / `(?i:…)` (case-folded into classes: the `i` flag and V8's modifiers both
 * defeat the linear engine), `(?s)`, `(?P<name>…)`, `\A`, `\z`, `\Q…\E`, `\x{…}`, octal escapes,
 * POSIX classes (`[[:alpha:]]`), RE2's ASCII `\s` and `.` (no `\n`; JavaScript's also excludes
 * `\r` and U+2028/9), a `]` first in a class, and every counted repetition `x{n,m}` (unrolled:
 * the linear engine refuses a repetition count above 16, which a 40-hex-digit SHA check needs).
 * Refused with a message: backreferences and lookarounds (not RE2), `\pL`-style Unicode classes
 * and code points above U+FFFF in a class (they need the `u` flag, which the linear engine
 * lacks), `(?m)` around `^`/`$`, `(?U)`, `\C`, and anything RE2 itself rejects.
 * Known difference: `.` and negated classes match one UTF-16 unit, not one code point.
 *
 * With `captures: false` (a yes/no match such as `matches()`), groups do not capture, so a group
 * under a counted repetition can be unrolled too (`(a|b){2}`).
 *
 * Throws a `SyntaxError` whose message says what to change.
 */
export function translateRe2(pattern: string, options: { captures?: boolean } = {}): string {
  return new Translator(pattern, options.captures ?? true).translate();
}

type Ranges = Array<[number, number]>;

interface Flags {
  i: boolean;
  s: boolean;
  m: boolean;
  U: boolean;
}

interface Item {
  src: string;
  /** Contains a capturing group (cannot be unrolled without renumbering groups). */
  capture: boolean;
  /** Anchors and word boundaries cannot take a repetition operator in JavaScript. */
  quantifiable: boolean;
}

const maxUnit = 0xffff;
/** Unrolled repetitions can grow a pattern quickly; beyond this it is refused. */
const maxTranslatedLength = 64 * 1024;
const maxRepeat = 1000;

const digit: Ranges = [[0x30, 0x39]];
const word: Ranges = [
  [0x30, 0x39],
  [0x41, 0x5a],
  [0x5f, 0x5f],
  [0x61, 0x7a],
];
const space: Ranges = [
  [0x09, 0x0a],
  [0x0c, 0x0d],
  [0x20, 0x20],
];
const posixClasses: Record<string, Ranges> = {
  alnum: [
    [0x30, 0x39],
    [0x41, 0x5a],
    [0x61, 0x7a],
  ],
  alpha: [
    [0x41, 0x5a],
    [0x61, 0x7a],
  ],
  ascii: [[0x00, 0x7f]],
  blank: [
    [0x09, 0x09],
    [0x20, 0x20],
  ],
  cntrl: [
    [0x00, 0x1f],
    [0x7f, 0x7f],
  ],
  digit,
  graph: [[0x21, 0x7e]],
  lower: [[0x61, 0x7a]],
  print: [[0x20, 0x7e]],
  punct: [
    [0x21, 0x2f],
    [0x3a, 0x40],
    [0x5b, 0x60],
    [0x7b, 0x7e],
  ],
  space: [
    [0x09, 0x0d],
    [0x20, 0x20],
  ],
  upper: [[0x41, 0x5a]],
  word,
  xdigit: [
    [0x30, 0x39],
    [0x41, 0x46],
    [0x61, 0x66],
  ],
};
const perlClasses: Record<string, Ranges> = { d: digit, w: word, s: space };
const simpleEscapes: Record<string, number> = { a: 0x07, f: 0x0c, t: 0x09, n: 0x0a, r: 0x0d, v: 0x0b };

function normalize(ranges: Ranges): Ranges {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: Ranges = [];
  for (const [lo, hi] of sorted) {
    const last = out.at(-1);
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

function complement(ranges: Ranges): Ranges {
  const out: Ranges = [];
  let next = 0;
  for (const [lo, hi] of normalize(ranges)) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= maxUnit) out.push([next, maxUnit]);
  return out;
}

let foldOrbits: Map<number, number[]> | undefined;

/** Simple case-folding orbits of the BMP (k, K and the Kelvin sign K form one), built on first use. */
function orbitOf(cp: number): number[] {
  if (!foldOrbits) {
    const parent = new Uint32Array(maxUnit + 1).map((_v, i) => i);
    const find = (x: number): number => {
      let r = x;
      while (parent[r] !== r) r = parent[r] as number;
      return r;
    };
    for (let c = 0; c <= maxUnit; c++) {
      // Turkish dotted/dotless i map to I/i in JavaScript but do not fold with them in RE2.
      if ((c >= 0xd800 && c <= 0xdfff) || c === 0x130 || c === 0x131) continue;
      const ch = String.fromCharCode(c);
      for (const v of [ch.toLowerCase(), ch.toUpperCase()]) {
        if (v.length === 1 && v !== ch) parent[find(c)] = find(v.charCodeAt(0));
      }
    }
    const members = new Map<number, number[]>();
    for (let c = 0; c <= maxUnit; c++) {
      const root = find(c);
      const list = members.get(root);
      if (list) list.push(c);
      else members.set(root, [c]);
    }
    foldOrbits = new Map();
    for (const orbit of members.values()) {
      if (orbit.length > 1) for (const c of orbit) foldOrbits.set(c, orbit);
    }
  }
  return foldOrbits.get(cp) ?? [cp];
}

function fold(ranges: Ranges): Ranges {
  const out: Ranges = [...ranges];
  for (const [lo, hi] of ranges) {
    for (let c = lo; c <= Math.min(hi, maxUnit); c++) {
      for (const o of orbitOf(c)) if (o !== c) out.push([o, o]);
    }
  }
  return normalize(out);
}

function unit(cp: number): string {
  if (/[0-9A-Za-z]/.test(String.fromCharCode(cp))) return String.fromCharCode(cp);
  return `\\u${cp.toString(16).padStart(4, '0')}`;
}

function classSource(ranges: Ranges, negated: boolean): string {
  const body = normalize(ranges)
    .map(([lo, hi]) =>
      lo === hi ? unit(lo) : hi === lo + 1 ? unit(lo) + unit(hi) : `${unit(lo)}-${unit(hi)}`,
    )
    .join('');
  return `[${negated ? '^' : ''}${body}]`;
}

function literalSource(cp: number): string {
  if (cp > maxUnit) {
    const s = String.fromCodePoint(cp);
    return `(?:${unit(s.charCodeAt(0))}${unit(s.charCodeAt(1))})`;
  }
  const ch = String.fromCharCode(cp);
  if (/[\\^$.|?*+()[\]{}/]/.test(ch)) return `\\${ch}`;
  if (cp < 0x20 || cp === 0x7f || (cp >= 0x80 && cp < 0xa0) || cp === 0x2028 || cp === 0x2029)
    return unit(cp);
  return ch;
}

class Translator {
  readonly #pattern: string;
  readonly #captures: boolean;
  #pos = 0;

  constructor(pattern: string, captures: boolean) {
    this.#pattern = pattern;
    this.#captures = captures;
  }

  translate(): string {
    const src = this.#alternation({ i: false, s: false, m: false, U: false }).src;
    if (this.#pos < this.#pattern.length) this.#fail('unexpected ) (no matching opening parenthesis)');
    return src;
  }

  #fail(message: string): never {
    throw new SyntaxError(message);
  }

  #peek(offset = 0): string | undefined {
    return this.#pattern[this.#pos + offset];
  }

  #alternation(flags: Flags): Item {
    const alternatives: string[] = [];
    let capture = false;
    for (;;) {
      const seq = this.#sequence(flags);
      alternatives.push(seq.src);
      capture ||= seq.capture;
      if (this.#peek() !== '|') break;
      this.#pos++;
    }
    return { src: alternatives.join('|'), capture, quantifiable: true };
  }

  #sequence(flags: Flags): Item {
    const items: Item[] = [];
    for (;;) {
      const c = this.#peek();
      if (c === undefined || c === '|' || c === ')') break;
      if (c === '*' || c === '+' || c === '?' || (c === '{' && this.#countedRepeat())) {
        const last = items.pop();
        if (!last) this.#fail(`missing argument to repetition operator ${c}`);
        items.push(this.#repeat(last, flags));
        continue;
      }
      for (const item of this.#atom(flags)) items.push(item);
    }
    const src = items.map((i) => i.src).join('');
    if (src.length > maxTranslatedLength) this.#fail('repetition too large for the linear regex engine');
    return { src, capture: items.some((i) => i.capture), quantifiable: true };
  }

  #countedRepeat(): RegExpExecArray | null {
    return /^\{(\d+)(?:(,)(\d*))?\}/.exec(this.#pattern.slice(this.#pos));
  }

  #repeat(item: Item, flags: Flags): Item {
    if (!item.quantifiable) this.#fail('a repetition operator cannot follow an anchor or \\b');
    if (flags.U) this.#fail('(?U) (ungreedy by default) is not supported; write the lazy operators *? +? ??');
    let min: number;
    let max: number | undefined;
    const c = this.#peek() as string;
    if (c === '{') {
      const m = this.#countedRepeat() as RegExpExecArray;
      this.#pos += m[0].length;
      min = Number(m[1]);
      max = m[2] ? (m[3] ? Number(m[3]) : undefined) : min;
      if (min > maxRepeat || (max ?? 0) > maxRepeat || (max !== undefined && max < min))
        this.#fail(`invalid repeat count ${m[0]}`);
    } else {
      this.#pos++;
      [min, max] = c === '*' ? [0, undefined] : c === '+' ? [1, undefined] : [0, 1];
    }
    let lazy = '';
    if (this.#peek() === '?') {
      this.#pos++;
      lazy = '?';
    }
    const next = this.#peek();
    if (next === '*' || next === '+' || next === '?' || (next === '{' && this.#countedRepeat()))
      this.#fail('invalid nested repetition operator');
    const x = item.src;
    if (max === undefined && min <= 1) return { ...item, src: `${x}${min === 0 ? '*' : '+'}${lazy}` };
    if (max === 1 && min <= 1) return { ...item, src: min === 0 ? `${x}?${lazy}` : x };
    if (max === 0) return { ...item, src: item.capture ? `${x}{0}` : '' };
    if (item.capture)
      this.#fail('a capturing group under a counted repetition {n,m}; use a non-capturing group (?:…)');
    // Unrolled into copies: the linear engine refuses repetition counts above 16.
    let optional = '';
    if (max === undefined) optional = `${x}*${lazy}`;
    else for (let k = min; k < max; k++) optional = `(?:${x}${optional})?${lazy}`;
    const src = x.repeat(min) + optional;
    if (src.length > maxTranslatedLength) this.#fail('repetition too large for the linear regex engine');
    return { src: `(?:${src})`, capture: false, quantifiable: true };
  }

  #atom(flags: Flags): Item[] {
    const c = this.#peek() as string;
    if (c === '(') return this.#group(flags);
    if (c === '[') return [this.#class(flags)];
    if (c === '\\') return this.#escape(flags);
    this.#pos++;
    if (c === '.') return [{ src: flags.s ? '[^]' : '[^\\n]', capture: false, quantifiable: true }];
    if (c === '^' || c === '$') {
      if (flags.m) this.#fail('(?m) multi-line ^ and $ are not supported; match \\n explicitly');
      return [{ src: c, capture: false, quantifiable: false }];
    }
    const cp = this.#pattern.codePointAt(this.#pos - 1) as number;
    if (cp > maxUnit) this.#pos++;
    return [this.#literal(cp, flags)];
  }

  #literal(cp: number, flags: Flags): Item {
    const orbit = flags.i ? orbitOf(cp) : [cp];
    const src =
      orbit.length > 1
        ? classSource(
            orbit.map((o) => [o, o]),
            false,
          )
        : literalSource(cp);
    return { src, capture: false, quantifiable: true };
  }

  #group(outer: Flags): Item[] {
    const p = this.#pattern;
    this.#pos++;
    let open = '(';
    const flags = { ...outer };
    if (this.#peek() === '?') {
      const rest = p.slice(this.#pos);
      const named = /^\?P?<([A-Za-z0-9_]+)>/.exec(rest);
      if (/^\?(=|!|<=|<!)/.test(rest))
        this.#fail('lookarounds are not supported (RE2 has none; they defeat the linear regex engine)');
      if (/^\?P=/.test(rest)) this.#fail('backreferences are not supported (RE2 has none)');
      if (named) {
        if (this.#captures && /^\d/.test(named[1] as string))
          this.#fail(`group name ${named[1]} must not start with a digit`);
        open = `(?<${named[1]}>`;
        this.#pos += named[0].length;
      } else {
        const f = /^\?([imsU]*)(?:-([imsU]*))?([:)])/.exec(rest);
        if (!f || (f[1] === '' && f[2] === undefined && f[3] === ')'))
          this.#fail(`invalid or unsupported group syntax (${p.slice(this.#pos - 1, this.#pos + 3)}…`);
        const target = f[3] === ')' ? outer : flags;
        for (const ch of f[1] ?? '') target[ch as keyof Flags] = true;
        for (const ch of f[2] ?? '') target[ch as keyof Flags] = false;
        this.#pos += f[0].length;
        // `(?i)` changes the flags of the enclosing group from here on and yields no item.
        if (f[3] === ')') return [];
        open = '(?:';
      }
    }
    if (!this.#captures) open = '(?:';
    const inner = this.#alternation(flags);
    if (this.#peek() !== ')') this.#fail('missing closing )');
    this.#pos++;
    return [{ src: `${open}${inner.src})`, capture: inner.capture || open !== '(?:', quantifiable: true }];
  }

  /** A single character written as an escape, after the backslash; undefined when not one. */
  #escapedChar(): number | undefined {
    const p = this.#pattern;
    const c = this.#peek() as string;
    if (c in simpleEscapes) {
      this.#pos++;
      return simpleEscapes[c];
    }
    if (c === 'x') {
      const m = /^x(?:\{([0-9A-Fa-f]{1,6})\}|([0-9A-Fa-f]{2}))/.exec(p.slice(this.#pos));
      if (!m) this.#fail('invalid hexadecimal escape (\\xHH or \\x{H…})');
      const cp = Number.parseInt((m[1] ?? m[2]) as string, 16);
      if (cp > 0x10ffff) this.#fail('hexadecimal escape beyond U+10FFFF');
      this.#pos += m[0].length;
      return cp;
    }
    if (/[0-7]/.test(c)) {
      if (c !== '0' && !/[0-7]/.test(this.#peek(1) ?? ''))
        this.#fail('backreferences are not supported (RE2 has none; they defeat the linear regex engine)');
      const m = /^[0-7]{1,3}/.exec(p.slice(this.#pos)) as RegExpExecArray;
      this.#pos += m[0].length;
      return Number.parseInt(m[0], 8);
    }
    if (c === '8' || c === '9' || c === 'k')
      this.#fail('backreferences are not supported (RE2 has none; they defeat the linear regex engine)');
    if (c === 'p' || c === 'P')
      this.#fail(
        'Unicode classes such as \\pL are not supported (they need a regex mode without the linear engine); use an explicit class such as [A-Za-z]',
      );
    if (c === 'C') this.#fail('\\C (any byte) is not supported');
    const cp = c.codePointAt(0) as number;
    if (cp < 0x80 && !/[0-9A-Za-z]/.test(c)) {
      this.#pos++;
      return cp;
    }
    return undefined;
  }

  #escape(flags: Flags): Item[] {
    this.#pos++;
    const c = this.#peek();
    if (c === undefined) this.#fail('trailing backslash at end of expression');
    const perl = perlClasses[c.toLowerCase()];
    if (perl) {
      this.#pos++;
      return [{ src: classSource(perl, c !== c.toLowerCase()), capture: false, quantifiable: true }];
    }
    const anchors: Record<string, string> = { b: '\\b', B: '\\B', A: '^', z: '$' };
    const anchor = anchors[c];
    if (anchor) {
      this.#pos++;
      return [{ src: anchor, capture: false, quantifiable: false }];
    }
    if (c === 'Q') {
      this.#pos++;
      const end = this.#pattern.indexOf('\\E', this.#pos);
      const text = this.#pattern.slice(this.#pos, end < 0 ? undefined : end);
      this.#pos = end < 0 ? this.#pattern.length : end + 2;
      return [...text].map((ch) => this.#literal(ch.codePointAt(0) as number, flags));
    }
    const cp = this.#escapedChar();
    if (cp === undefined) this.#fail(`invalid escape sequence \\${c}`);
    return [this.#literal(cp, flags)];
  }

  #class(flags: Flags): Item {
    const p = this.#pattern;
    this.#pos++;
    let negated = false;
    if (this.#peek() === '^') {
      negated = true;
      this.#pos++;
    }
    const ranges: Ranges = [];
    let first = true;
    for (;;) {
      const c = this.#peek();
      if (c === undefined) this.#fail('missing closing ] of a character class');
      if (c === ']' && !first) {
        this.#pos++;
        break;
      }
      first = false;
      if (c === '[' && this.#peek(1) === ':') {
        const m = /^\[:(\^?)([a-z]+):\]/.exec(p.slice(this.#pos));
        const set = m ? posixClasses[m[2] as string] : undefined;
        if (!m || !set) this.#fail('invalid POSIX class; use [[:alpha:]], [[:digit:]], …');
        ranges.push(...(m[1] ? complement(set) : set));
        this.#pos += m[0].length;
        continue;
      }
      if (c === '\\') {
        const perl = perlClasses[(this.#peek(1) ?? '').toLowerCase()];
        if (perl) {
          const upper = this.#peek(1) !== this.#peek(1)?.toLowerCase();
          ranges.push(...(upper ? complement(perl) : perl));
          this.#pos += 2;
          continue;
        }
      }
      const lo = this.#classChar();
      if (this.#peek() === '-' && this.#peek(1) !== ']' && this.#peek(1) !== undefined) {
        this.#pos++;
        const hi = this.#classChar();
        if (hi < lo) this.#fail('invalid character class range (end before start)');
        ranges.push([lo, hi]);
      } else ranges.push([lo, lo]);
    }
    if (ranges.some(([, hi]) => hi > maxUnit))
      this.#fail('characters beyond U+FFFF are not supported in a character class');
    return { src: classSource(flags.i ? fold(ranges) : ranges, negated), capture: false, quantifiable: true };
  }

  #classChar(): number {
    if (this.#peek() === '\\') {
      this.#pos++;
      const c = this.#peek();
      if (c === undefined) this.#fail('trailing backslash at end of expression');
      const cp = this.#escapedChar();
      if (cp === undefined) this.#fail(`invalid escape sequence \\${c} in a character class`);
      return cp;
    }
    const cp = this.#pattern.codePointAt(this.#pos) as number;
    this.#pos += cp > maxUnit ? 2 : 1;
    return cp;
  }
}
