import { validationRules as rules } from './validation-rules.ts';

/** A parsed label selector; `matches` takes an object's `metadata.labels`. */
export interface LabelSelector {
  readonly empty: boolean;
  matches(labels: Readonly<Record<string, string>> | undefined): boolean;
}

type Operator = 'in' | 'notin' | '=' | '==' | '!=' | 'exists' | '!' | 'gt' | 'lt';
interface Requirement {
  readonly key: string;
  readonly op: Operator;
  readonly values: readonly string[];
}
type Token = { readonly kind: 'id' | 'sym' | 'end'; readonly text: string };

const symbols = ['!=', '==', '=', '!', '(', ')', ',', '>', '<'];
const special = new Set('=!(),><');

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const sym = symbols.find((s) => input.startsWith(s, i));
    if (sym) {
      tokens.push({ kind: 'sym', text: sym });
      i += sym.length;
      continue;
    }
    let j = i;
    while (j < input.length && !special.has(input[j] as string) && !/\s/.test(input[j] as string)) j++;
    tokens.push({ kind: 'id', text: input.slice(i, j) });
    i = j;
  }
  tokens.push({ kind: 'end', text: '' });
  return tokens;
}

/**
 * Parses a selector the way apimachinery's `labels.Parse` does — `a=b`, `a==b`, `a!=b`,
 * `a in (x,y)`, `a notin (x)`, `a`, `!a`, `a>1`, `a<1` joined by commas — validating keys and
 * values by the label rules. Throws an Error whose message is what the apiserver puts in its
 * 400 BadRequest.
 */
export function parseLabelSelector(input: string): LabelSelector {
  const tokens = tokenize(input);
  let pos = 0;
  const peek = () => tokens[pos] as Token;
  const next = () => tokens[pos++] as Token;
  const isKeyStart = (t: Token) => t.kind === 'id' || t.text === '!';

  const parseValues = (): string[] => {
    const open = next();
    if (open.text !== '(') throw new Error(`found '${open.text}' expected: '('`);
    const values = new Set<string>();
    if (peek().text === ')') {
      next();
      return [''];
    }
    for (;;) {
      const t = next();
      if (t.kind === 'id') {
        values.add(t.text);
        const after = peek();
        if (after.text === ',') continue;
        if (after.text === ')') break;
        throw new Error(`found '${after.text}', expected: ',' or ')'`);
      }
      if (t.text === ',') {
        // "(,", ",)" and ",," each stand for an empty value.
        if (values.size === 0) values.add('');
        const after = peek();
        if (after.text === ')') {
          values.add('');
          break;
        }
        if (after.text === ',') {
          next();
          values.add('');
        }
        continue;
      }
      throw new Error(`found '${t.text}', expected: ',', or identifier`);
    }
    next();
    return [...values].sort();
  };

  const parseRequirement = (): Requirement => {
    let t = next();
    let op: Operator | undefined;
    if (t.text === '!') {
      op = '!';
      t = next();
    }
    if (t.kind !== 'id') throw new Error(`found '${t.text}', expected: identifier`);
    const key = t.text;
    const keyErrors = rules.isQualifiedName(key);
    if (keyErrors.length)
      throw new Error(`key: Invalid value: ${JSON.stringify(key)}: ${keyErrors.join('; ')}`);
    const after = peek();
    if (op === '!' || after.kind === 'end' || after.text === ',')
      return { key, op: op ?? 'exists', values: [] };
    const o = next();
    let values: string[];
    if (o.kind === 'id' && (o.text === 'in' || o.text === 'notin')) {
      op = o.text;
      values = parseValues();
    } else if (['=', '==', '!=', '>', '<'].includes(o.text)) {
      op = o.text === '>' ? 'gt' : o.text === '<' ? 'lt' : (o.text as Operator);
      const v = peek();
      if (v.kind === 'end' || v.text === ',') values = [''];
      else if (next().kind === 'id') values = [v.text];
      else throw new Error(`found '${v.text}', expected: identifier`);
    } else {
      throw new Error(`found '${o.text}', expected: in, notin, =, ==, !=, gt, lt`);
    }
    values.forEach((v, i) => {
      if (op === 'gt' || op === 'lt') {
        if (!/^[+-]?\d+$/.test(v)) {
          throw new Error(
            `values[${i}]: Invalid value: ${JSON.stringify(v)}: for 'Gt', 'Lt' operators, the value must be an integer`,
          );
        }
        return;
      }
      const errs = rules.isValidLabelValue(v);
      if (errs.length)
        throw new Error(`values[${i}][${key}]: Invalid value: ${JSON.stringify(v)}: ${errs.join('; ')}`);
    });
    return { key, op, values };
  };

  const requirements: Requirement[] = [];
  for (;;) {
    const t = peek();
    if (t.kind === 'end') break;
    if (!isKeyStart(t)) throw new Error(`found '${t.text}', expected: !, identifier, or 'end of string'`);
    try {
      requirements.push(parseRequirement());
    } catch (err) {
      throw new Error(`unable to parse requirement: ${(err as Error).message}`);
    }
    const sep = next();
    if (sep.kind === 'end') break;
    if (sep.text !== ',') throw new Error(`found '${sep.text}', expected: ',' or 'end of string'`);
    if (!isKeyStart(peek())) throw new Error(`found '${peek().text}', expected: identifier after ','`);
  }

  return {
    empty: requirements.length === 0,
    matches(labels) {
      return requirements.every(({ key, op, values }) => {
        const has = labels !== undefined && Object.hasOwn(labels, key);
        const value = has ? (labels[key] as string) : undefined;
        switch (op) {
          case 'in':
          case '=':
          case '==':
            return has && values.includes(value as string);
          case 'notin':
          case '!=':
            return !has || !values.includes(value as string);
          case 'exists':
            return has;
          case '!':
            return !has;
          case 'gt':
          case 'lt': {
            if (!has || !/^[+-]?\d+$/.test(value as string)) return false;
            const n = Number(value);
            const bound = Number(values[0]);
            return op === 'gt' ? n > bound : n < bound;
          }
          default:
            return false;
        }
      });
    },
  };
}
