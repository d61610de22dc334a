/** A parsed field selector over `metadata.name` and `metadata.namespace`. */
export interface FieldSelector {
  matches(object: { readonly metadata: { readonly name?: unknown; readonly namespace?: unknown } }): boolean;
}

const supported = new Set(['metadata.name', 'metadata.namespace']);

/**
 * Parses `fields.ParseSelector` syntax (`a=b`, `a==b`, `a!=b`, comma-separated, `\` escapes).
 * Every resource supports `metadata.name` and `metadata.namespace`; any other field is what the
 * apiserver answers 400 for. Throws an Error with the apiserver's message.
 */
export function parseFieldSelector(input: string): FieldSelector {
  const terms: string[] = [];
  let current = '';
  for (let i = 0; i < input.length; i++) {
    const c = input[i] as string;
    if (c === '\\' && i + 1 < input.length) {
      current += input[++i];
    } else if (c === ',') {
      terms.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  terms.push(current);
  const requirements = terms
    .filter((t) => t.trim() !== '')
    .map((term) => {
      const m = /^([^=!]+)(!=|==|=)(.*)$/.exec(term);
      if (!m) throw new Error(`invalid selector: '${input}'; can't understand '${term}'`);
      const field = (m[1] as string).trim();
      if (!supported.has(field)) throw new Error(`field label not supported: ${field}`);
      return { field, negate: m[2] === '!=', value: m[3] as string };
    });
  return {
    matches(object) {
      return requirements.every(({ field, negate, value }) => {
        const actual = String(
          (field === 'metadata.name' ? object.metadata.name : object.metadata.namespace) ?? '',
        );
        return negate ? actual !== value : actual === value;
      });
    },
  };
}
