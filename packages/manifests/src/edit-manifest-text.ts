import { basename } from 'node:path';
import { Scalar } from 'yaml';
import { findImageSlots } from './find-image-slots.ts';
import type { ImageSlot, SlotSink } from './image-slot.ts';
import { parseManifest } from './parse-manifest.ts';
import { renderScalar } from './render-scalar.ts';
import type { ImageTarget } from './resolve-image-target.ts';
import { verifyEdit } from './verify-edit.ts';

/** One scalar changed: where, and its value before and after. */
export interface ManifestEdit {
  /** Field path, prefixed with the document index (`[1].spec…`) in a multi-document file. */
  field: string;
  old: string;
  new: string;
}

/** The edited text and what changed (`edits` empty and text unchanged when nothing needs to), or why not. */
export type EditManifestResult = { text: string; edits: ManifestEdit[] } | { problem: string };

const kustomizationNames = new Set(['kustomization.yaml', 'kustomization.yml', 'Kustomization']);

function uniqueSlots(sink: SlotSink): ImageSlot[] {
  const byNode = new Map<Scalar, ImageSlot>();
  for (const slot of sink.slots) {
    const seen = byNode.get(slot.node);
    if (seen === undefined) byNode.set(slot.node, slot);
    else if (seen.value !== slot.value)
      sink.problems.push(`${slot.field} and ${seen.field} share one anchor but need different values`);
  }
  return [...byNode.values()].filter((slot) => slot.node.value !== slot.value);
}

function splice(text: string, slots: readonly ImageSlot[], json: boolean): string | { problem: string } {
  const sorted = [...slots].sort((a, b) => (b.node.range?.[0] ?? 0) - (a.node.range?.[0] ?? 0));
  let out = text;
  for (const { node, field, value } of sorted) {
    if (node.type === Scalar.BLOCK_LITERAL || node.type === Scalar.BLOCK_FOLDED)
      return { problem: `${field} is a block scalar; edit it by hand` };
    const [start, end] = node.range ?? [];
    if (start === undefined || end === undefined) return { problem: `${field} has no source position` };
    const style = json ? Scalar.QUOTE_DOUBLE : node.type;
    // An empty value (`tag:`) sits right after the colon; a plain value there needs its space.
    const gap = start === end && /[:-]$/.test(out.slice(0, start)) ? ' ' : '';
    out = out.slice(0, start) + gap + renderScalar(value, style) + out.slice(end);
  }
  return out;
}

/**
 * Points every reference to `target.image` in one file's text at the target, by splicing only
 * those scalars' bytes: comments, quoting, indentation, flow style, CRLF, BOM and a missing final
 * newline stay as they are. `fileName` decides kustomization (by base name) and JSON (`.json`)
 * handling. The result is re-parsed and must equal the old documents except the edited values; a
 * file that does not parse, has an entry that cannot be edited, or fails that proof comes back as
 * a problem, never as a partial edit. An anchor is edited once, so every alias of it follows.
 */
export function editManifestText(text: string, fileName: string, target: ImageTarget): EditManifestResult {
  const parsed = parseManifest(text);
  if ('error' in parsed) return { problem: `not valid YAML: ${parsed.error}` };
  const json = fileName.endsWith('.json');
  const kustomization = kustomizationNames.has(basename(fileName));
  const multi = parsed.docs.length > 1;
  const sink: SlotSink = { slots: [], problems: [] };
  parsed.docs.forEach((doc, index) => {
    const docSink: SlotSink = { slots: [], problems: [] };
    findImageSlots(doc, kustomization, target, docSink);
    const prefix = multi ? `[${index}].` : '';
    for (const slot of docSink.slots) sink.slots.push({ ...slot, field: prefix + slot.field });
    for (const problem of docSink.problems) sink.problems.push(prefix + problem);
  });
  const slots = uniqueSlots(sink);
  if (sink.problems.length > 0) return { problem: sink.problems.join('; ') };
  if (slots.length === 0) return { text, edits: [] };
  const edits = slots.map((slot) => ({
    field: slot.field,
    old:
      typeof slot.node.value === 'string'
        ? slot.node.value
        : text.slice(slot.node.range?.[0] ?? 0, slot.node.range?.[1] ?? 0),
    new: slot.value,
  }));
  const edited = splice(text, slots, json);
  if (typeof edited !== 'string') return edited;
  const failure = verifyEdit(parsed.docs, slots, edited, json);
  return failure === undefined ? { text: edited, edits } : { problem: failure };
}
