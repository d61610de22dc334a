import { readFileSync } from 'node:fs';
import { type Document, isMap, isSeq, LineCounter, type Node, parseAllDocuments } from 'yaml';
import type { z } from 'zod';
import type { ConfigIssue } from '../types.ts';
import { describeZodIssues } from './describe-zod-issues.ts';
import { listConfigFiles } from './list-config-files.ts';
import { type KindName, kinds, type Metadata, metadataSchema } from './schemas.ts';

/** One schema-valid document of the config directory. */
export interface ConfigDocument {
  readonly file: string;
  readonly index: number;
  readonly kind: KindName;
  readonly metadata: Metadata;
  readonly spec: unknown;
}

const versions: Record<string, readonly string[]> = {
  'triggers.tekton.dev': ['v1beta1', 'v1alpha1'],
  'signalbox.dev': ['v1alpha1'],
};

/** `spec.triggers[0].interceptors[1]` → `['spec', 'triggers', 0, 'interceptors', 1]`. */
function pathOf(field: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const m of field.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (m[2] !== undefined) out.push(Number(m[2]));
    else if (m[1] !== undefined) out.push(m[1]);
  }
  return out;
}

type Sources = Map<string, { doc: Document; lines: LineCounter }>;

/** The line of an issue's field, or of the closest enclosing node that exists. */
function lineFinder(sources: Sources): (issue: ConfigIssue) => number | undefined {
  return (issue) => {
    const source = sources.get(`${issue.file}\0${issue.documentIndex}`);
    if (!source) return undefined;
    let node = source.doc.contents as Node | null;
    let offset = node?.range?.[0] ?? source.doc.range?.[0] ?? 0;
    for (const key of pathOf(issue.field)) {
      let next: unknown;
      if (isMap(node)) {
        // The key's own position: for an unknown field that is where the typo is.
        const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === key);
        const keyNode = pair?.key as Node | undefined;
        if (keyNode?.range) offset = keyNode.range[0];
        next = pair?.value;
      } else if (isSeq(node) && typeof key === 'number') next = node.items[key];
      const range = (next as Node | undefined)?.range;
      if (!next || !range) break;
      if (!isMap(node)) offset = range[0];
      node = next as Node;
    }
    return source.lines.linePos(offset).line;
  };
}

/** Splits one file into documents, recording each one's source for `lineOf`. */
function readFile(file: string, sources: Sources, docs: ConfigDocument[], issues: ConfigIssue[]): void {
  const lines = new LineCounter();
  let parsed: ReturnType<typeof parseAllDocuments>;
  try {
    parsed = parseAllDocuments(readFileSync(file, 'utf8'), { prettyErrors: false, lineCounter: lines });
  } catch (err) {
    issues.push({ file, documentIndex: 0, field: '', message: `cannot read: ${(err as Error).message}` });
    return;
  }
  const list = Array.isArray(parsed) ? parsed : [];
  for (const [index, yamlDoc] of list.entries()) {
    sources.set(`${file}\0${index}`, { doc: yamlDoc, lines });
    if (yamlDoc.errors.length > 0) {
      for (const e of yamlDoc.errors) {
        issues.push({
          file,
          documentIndex: index,
          field: '',
          message: `YAML: ${e.message.split('\n')[0]}`,
          line: lines.linePos(e.pos[0]).line,
        });
      }
      continue;
    }
    const doc = checkDocument(file, index, yamlDoc.toJS({ maxAliasCount: 100 }) as unknown, issues);
    if (doc) docs.push(doc);
  }
}

/** Checks one parsed document against its kind's schema; undefined after reporting when it fails. */
function checkDocument(
  file: string,
  index: number,
  value: unknown,
  issues: ConfigIssue[],
): ConfigDocument | undefined {
  const at = (field: string, message: string, name?: string) =>
    issues.push({ file, documentIndex: index, ...(name ? { documentName: name } : {}), field, message });
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    at('', 'a document must be a mapping');
    return undefined;
  }
  const raw = value as Record<string, unknown>;
  const rawName = (raw.metadata as { name?: unknown } | undefined)?.name;
  const name = typeof rawName === 'string' ? rawName : undefined;
  const kind = raw.kind;
  if (typeof kind !== 'string' || !Object.hasOwn(kinds, kind)) {
    at(
      'kind',
      `unknown kind ${JSON.stringify(kind)}; expected one of ${Object.keys(kinds).join(', ')}`,
      name,
    );
    return undefined;
  }
  const def = kinds[kind as KindName];
  const [group, version, extra] = String(raw.apiVersion ?? '').split('/');
  if (group !== def.group || extra !== undefined || !versions[def.group]?.includes(version ?? '')) {
    at(
      'apiVersion',
      `${kind} needs apiVersion ${versions[def.group]?.map((v) => `${def.group}/${v}`).join(' or ')}`,
      name,
    );
  }
  for (const key of Object.keys(raw)) {
    if (!['apiVersion', 'kind', 'metadata', 'spec', 'status'].includes(key)) at(key, 'unknown field', name);
  }
  // Both checked, so a bad name does not hide the spec's problems.
  const metadata = metadataSchema.safeParse(raw.metadata);
  if (!metadata.success) {
    for (const i of describeZodIssues(metadata.error.issues, ['metadata'])) at(i.field, i.message, name);
  }
  const spec = (def.spec as z.ZodType).safeParse(raw.spec ?? {});
  if (!spec.success) {
    for (const i of describeZodIssues(spec.error.issues, ['spec'])) at(i.field, i.message, name);
  }
  if (!metadata.success || !spec.success) return undefined;
  return { file, index, kind: kind as KindName, metadata: metadata.data, spec: spec.data };
}

/**
 * Reads every `*.yaml` / `*.yml` below `dir` (sorted, recursively), splits multi-document files,
 * and checks each document's `apiVersion`, `kind`, `metadata` and `spec` against the schemas. All
 * problems are collected, none stops the reading. `lineOf` finds the line (1-based) of an issue's
 * field, or of the closest enclosing node that exists.
 */
export function readDocuments(dir: string): {
  docs: ConfigDocument[];
  issues: ConfigIssue[];
  lineOf(issue: ConfigIssue): number | undefined;
} {
  const docs: ConfigDocument[] = [];
  const issues: ConfigIssue[] = [];
  const sources: Sources = new Map();
  const lineOf = lineFinder(sources);
  let files: string[];
  try {
    files = listConfigFiles(dir);
  } catch (err) {
    issues.push({
      file: dir,
      documentIndex: 0,
      field: '',
      message: `cannot read config directory: ${(err as Error).message}`,
    });
    return { docs, issues, lineOf };
  }
  // Named as the caller named the directory: `config/a.yaml` for `--config config`.
  for (const file of files) readFile(file, sources, docs, issues);
  return { docs, issues, lineOf };
}
