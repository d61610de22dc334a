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
  const values: Record<string, string> = {};
  for (const p of template.params) {
    const raw = bound[p.name] ?? (p.default === undefined ? undefined : jsonEscape(p.default));
    if (raw !== undefined) values[p.name] = raw.replaceAll('$(', '$$$$(');
  }
  const uid = randomUUID();
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(template.annotations)) annotations[k] = substitute(v, values, uid);
  const group = concurrencyFromAnnotations(annotations).concurrency;
  return template.resourceJson.map((json, index) => {
    const text = substitute(json, values, uid);
    const max = ctx.maxObjectBytes;
    if (max !== undefined && text.length * 3 > max && Buffer.byteLength(text) > max) {
      throw new Error(
        `resource ${index} renders to ${Buffer.byteLength(text)} bytes, over the limit of ${max}; nothing was created`,
      );
    }
    const object = JSON.parse(text) as Record<string, unknown>;
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
