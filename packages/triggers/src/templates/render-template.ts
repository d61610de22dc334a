import { randomUUID } from 'node:crypto';
import { goJson } from '../cel/go-json.ts';
import type { RenderedResource } from '../types.ts';
import { concurrencyFromAnnotations } from './concurrency-from-annotations.ts';

/** A TriggerTemplate as the engine uses it (validated at load). */
export interface TemplateModel {
  readonly name: string;
  readonly params: readonly { name: string; default?: string }[];
  /** Each resource template serialised once at load; substitution works on this JSON form. */
  readonly resourceJson: readonly string[];
  readonly annotations: Readonly<Record<string, string>>;
}

const paramRef = /\$\(tt\.params\.([_a-zA-Z][_a-zA-Z0-9.-]*)\)/g;

/** Names used as `$(tt.params.X)` in a text (config validation: every one must be declared). */
export function usedTemplateParams(text: string): string[] {
  return [...text.matchAll(paramRef)].map((m) => m[1] as string);
}

/** Escapes a raw (default) value for the JSON form exactly as binding values already are. */
function jsonEscape(value: string): string {
  return goJson(value).slice(1, -1);
}

/**
 * `$(uid)` first, then params in one pass: a substituted value is never scanned again, so event
 * text such as `$(uid)` or `$(tt.params.token)` stays literal (Tekton replaces `$(uid)` after the
 * params, which would let a commit message pick up the uid).
 */
function substitute(text: string, values: Readonly<Record<string, string>>, uid: string): string {
  return text.replaceAll('$(uid)', uid).replace(paramRef, (whole, name: string) => values[name] ?? whole);
}

/**
 * A string of a resource template: as it is, or split at its `$(tt.params.X)` references
 * (literal, name, literal, …, literal), decoded from JSON.
 */
type PreparedString = string | { readonly parts: readonly string[] };
/** A resource template's JSON value with its strings prepared (objects as [key, value] pairs). */
type PreparedValue =
  | null
  | boolean
  | number
  | PreparedString
  | { readonly items: readonly PreparedValue[] }
  | { readonly entries: readonly (readonly [PreparedString, PreparedValue])[] };

/**
 * A template worked out once: whether `$(uid)` appears anywhere, each default escaped, and each
 * resource's JSON form split at its references and as a prepared value.
 */
interface PreparedTemplate {
  readonly uid: boolean;
  readonly defaults: ReadonlyMap<string, string>;
  readonly texts: readonly (readonly string[])[];
  /** The params each resource uses. */
  readonly names: readonly (readonly string[])[];
  readonly values: readonly (PreparedValue | undefined)[];
}

const preparedTemplates = new WeakMap<TemplateModel, PreparedTemplate>();

function splitAtParams(text: string): string[] {
  const parts: string[] = [];
  let last = 0;
  for (const m of text.matchAll(paramRef)) {
    parts.push(text.slice(last, m.index), m[1] as string);
    last = m.index + m[0].length;
  }
  parts.push(text.slice(last));
  return parts;
}

function prepareString(text: string): PreparedString {
  const parts = splitAtParams(text);
  return parts.length === 1 ? text : { parts };
}

function prepareValue(value: unknown): PreparedValue {
  if (typeof value === 'string') return prepareString(value);
  if (Array.isArray(value)) return { items: value.map(prepareValue) };
  if (value !== null && typeof value === 'object') {
    return { entries: Object.entries(value).map(([k, v]) => [prepareString(k), prepareValue(v)] as const) };
  }
  return value as null | boolean | number;
}

/** Undefined for a text that is JSON only once substituted: it is always parsed after rendering. */
function preparedValueOf(json: string): PreparedValue | undefined {
  try {
    return prepareValue(JSON.parse(json));
  } catch {
    return undefined;
  }
}

function prepare(template: TemplateModel): PreparedTemplate {
  let ready = preparedTemplates.get(template);
  if (!ready) {
    const texts = [...template.resourceJson, ...Object.values(template.annotations)];
    ready = {
      uid: texts.some((t) => t.includes('$(uid)')),
      defaults: new Map(
        template.params.flatMap((p) => (p.default === undefined ? [] : [[p.name, jsonEscape(p.default)]])),
      ),
      texts: template.resourceJson.map(splitAtParams),
      names: template.resourceJson.map(usedTemplateParams),
      values: template.resourceJson.map(preparedValueOf),
    };
    preparedTemplates.set(template, ready);
  }
  return ready;
}

/** `substitute` over a text split by `splitAtParams` (no `$(uid)` in it). */
function fill(parts: readonly string[], values: Readonly<Record<string, string>>): string {
  let out = parts[0] as string;
  for (let i = 1; i < parts.length; i += 2) {
    const name = parts[i] as string;
    out += (values[name] ?? `$(tt.params.${name})`) + (parts[i + 1] as string);
  }
  return out;
}

/**
 * JSON-escaped text that is its own decoding (no quote, backslash or control character): put
 * into a JSON string it ends nothing and escapes nothing, so the rendered object can be built
 * from the prepared value instead of parsing the rendered text, with the same result.
 */
function isPlainText(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c) return false;
  }
  return true;
}

/** The object `JSON.parse` makes of the rendered text, when every value is plain text (`isPlainText`). */
function build(value: PreparedValue, values: Readonly<Record<string, string>>): unknown {
  if (value === null || typeof value !== 'object') return value;
  if ('parts' in value) return fill(value.parts, values);
  if ('items' in value) return value.items.map((item) => build(item, values));
  const object: Record<string, unknown> = {};
  for (const [key, item] of value.entries) {
    const name = typeof key === 'string' ? key : fill(key.parts, values);
    // As JSON.parse: a key named __proto__ is an own property, never the prototype.
    if (name === '__proto__') {
      Object.defineProperty(object, name, {
        value: build(item, values),
        writable: true,
        enumerable: true,
        configurable: true,
      });
    } else object[name] = build(item, values);
  }
  return object;
}

function route(object: Record<string, unknown>): RenderedResource['route'] {
  const apiVersion = String(object.apiVersion ?? '');
  if (apiVersion.startsWith('signalbox.dev/')) {
    if (object.kind === 'ImageUpdate') return 'image-update';
    if (object.kind === 'Notification') return 'notification';
  }
  return 'run';
}

/**
 * Renders a template for one fired trigger: `$(tt.params.X)` replaced on the JSON form with the
 * resolved values (binding values are already JSON-escaped; defaults are escaped here), every
 * `$(` inside a value rewritten to `$$(` so event text is never read by Tekton Pipelines as its
 * own variables, `$(uid)` one UUID per invocation, and Tekton's labels added.
 */
export function renderTemplate(
  template: TemplateModel,
  bound: Readonly<Record<string, string>>,
  ctx: {
    listener: string;
    trigger: string;
    eventID: string;
    namespace: string;
    /**
     * Largest rendered resource, in bytes of its JSON form before Tekton's labels are added (which
     * are ~200 bytes). Bigger ones throw: etcd refuses objects over 1.5 MiB by default, and one
     * that large would only fail at the apiserver after it was queued.
     */
    maxObjectBytes?: number;
  },
): RenderedResource[] {
  const ready = prepare(template);
  const values: Record<string, string> = {};
  for (const p of template.params) {
    const raw = bound[p.name] ?? ready.defaults.get(p.name);
    if (raw !== undefined) values[p.name] = raw.replaceAll('$(', '$$$$(');
  }
  const uid = ready.uid ? randomUUID() : '';
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(template.annotations)) annotations[k] = substitute(v, values, uid);
  const group = concurrencyFromAnnotations(annotations).concurrency;
  const plain = (name: string) => {
    const value = values[name];
    return value === undefined || isPlainText(value);
  };
  return template.resourceJson.map((json, index) => {
    const text = ready.uid ? substitute(json, values, uid) : fill(ready.texts[index] ?? [json], values);
    const max = ctx.maxObjectBytes;
    if (max !== undefined && text.length * 3 > max && Buffer.byteLength(text) > max) {
      throw new Error(
        `resource ${index} renders to ${Buffer.byteLength(text)} bytes, over the limit of ${max}; nothing was created`,
      );
    }
    // A profile showed parsing each rendered text costing more than the rest of rendering.
    const prepared = ready.values[index];
    const buildable = prepared !== undefined && !ready.uid && (ready.names[index] ?? []).every(plain);
    const object = (buildable ? build(prepared, values) : JSON.parse(text)) as Record<string, unknown>;
    const metadata = (object.metadata ??= {}) as Record<string, unknown>;
    metadata.labels = {
      ...(metadata.labels as Record<string, string> | undefined),
      'triggers.tekton.dev/eventlistener': ctx.listener,
      'triggers.tekton.dev/trigger': ctx.trigger,
      'triggers.tekton.dev/triggers-eventid': ctx.eventID,
    };
    const namespace =
      typeof metadata.namespace === 'string' && metadata.namespace ? metadata.namespace : ctx.namespace;
    return { object, namespace, route: route(object), ...(group ? { concurrency: group } : {}) };
  });
}
