import { isDeepStrictEqual } from 'node:util';

/** One RFC 6902 operation. */
export interface JsonPatchOperation {
  readonly op: string;
  readonly path: string;
  readonly from?: string;
  readonly value?: unknown;
}

type Container = Record<string, unknown> | unknown[];

const unescapeToken = (s: string) => s.replace(/~1/g, '/').replace(/~0/g, '~');

function split(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new Error(`JSON pointer must start with '/': ${pointer}`);
  return pointer.slice(1).split('/').map(unescapeToken);
}

/** Resolves the parent container of `pointer` and the last key, or undefined when a step is missing. */
function locate(doc: unknown, pointer: string): { parent: Container; key: string } | undefined {
  const parts = split(pointer);
  const key = parts.pop();
  if (key === undefined) return undefined;
  let node: unknown = doc;
  for (const part of parts) {
    if (Array.isArray(node)) node = node[Number(part)];
    else if (node !== null && typeof node === 'object') node = (node as Record<string, unknown>)[part];
    else return undefined;
  }
  if (node === null || typeof node !== 'object') return undefined;
  return { parent: node as Container, key };
}

function arrayIndex(array: unknown[], key: string, forInsert: boolean): number {
  if (forInsert && key === '-') return array.length;
  const i = /^(0|[1-9]\d*)$/.test(key) ? Number(key) : Number.NaN;
  if (Number.isNaN(i) || i < 0 || i > array.length || (!forInsert && i === array.length)) {
    throw new Error(`Unable to access invalid index: ${key}: invalid index referenced`);
  }
  return i;
}

function get(doc: unknown, pointer: string): unknown {
  if (pointer === '') return doc;
  const at = locate(doc, pointer);
  if (!at) return undefined;
  if (Array.isArray(at.parent)) return at.parent[Number(at.key)];
  return Object.hasOwn(at.parent, at.key) ? at.parent[at.key] : undefined;
}

function add(doc: unknown, path: string, value: unknown, opName = 'add'): void {
  const at = locate(doc, path);
  if (!at)
    throw new Error(`${opName} operation does not apply: doc is missing path: "${path}": missing value`);
  if (Array.isArray(at.parent)) at.parent.splice(arrayIndex(at.parent, at.key, true), 0, value);
  else at.parent[at.key] = value;
}

function remove(doc: unknown, path: string, opName = 'remove'): unknown {
  const at = locate(doc, path);
  if (!at)
    throw new Error(`${opName} operation does not apply: doc is missing path: "${path}": missing value`);
  if (Array.isArray(at.parent)) return at.parent.splice(arrayIndex(at.parent, at.key, false), 1)[0];
  if (!Object.hasOwn(at.parent, at.key)) {
    throw new Error(`Unable to remove nonexistent key: ${at.key}: missing value`);
  }
  const old = at.parent[at.key];
  delete at.parent[at.key];
  return old;
}

/**
 * Applies an RFC 6902 JSON patch (add, remove, replace, move, copy, test) to a copy of `target`.
 * Throws with evanphx/json-patch's messages, which the apiserver returns in a 422.
 */
export function applyJsonPatch(target: unknown, operations: readonly JsonPatchOperation[]): unknown {
  const doc = structuredClone(target);
  for (const o of operations) {
    if (typeof o.path !== 'string') throw new Error(`${o.op} operation missing path`);
    switch (o.op) {
      case 'add':
        add(doc, o.path, structuredClone(o.value));
        break;
      case 'remove':
        remove(doc, o.path);
        break;
      case 'replace': {
        const at = locate(doc, o.path);
        const exists =
          at &&
          (Array.isArray(at.parent) ? Number(at.key) < at.parent.length : Object.hasOwn(at.parent, at.key));
        if (!exists)
          throw new Error(`replace operation does not apply: doc is missing key: ${o.path}: missing value`);
        if (Array.isArray(at.parent))
          at.parent[arrayIndex(at.parent, at.key, false)] = structuredClone(o.value);
        else at.parent[at.key] = structuredClone(o.value);
        break;
      }
      case 'move':
      case 'copy': {
        const from = o.from ?? '';
        const value = get(doc, from);
        if (value === undefined) {
          throw new Error(
            `${o.op} operation does not apply: doc is missing from path: ${from}: missing value`,
          );
        }
        if (o.op === 'move') remove(doc, from, 'move');
        add(doc, o.path, structuredClone(value), o.op);
        break;
      }
      case 'test':
        if (!isDeepStrictEqual(get(doc, o.path), o.value)) {
          throw new Error(`testing value ${o.path} failed: test failed`);
        }
        break;
      default:
        throw new Error(`Unexpected kind: ${o.op}`);
    }
  }
  return doc;
}
