import type { BindingPart } from '../bindings/binding-value.ts';
import type { TemplateModel } from '../templates/render-template.ts';
import type { TriggerModel } from './config-model.ts';
import type { ConfigDocument } from './read-documents.ts';

/** Reports a problem at a field path of one document (file, index and name come from the doc). */
export type DocReport = (doc: ConfigDocument, field: string, message: string) => void;

/** A binding document's params, parsed once. */
export type Binding = { name: string; parts: BindingPart[] };

/** A trigger built once per document; a namespace-less one takes its listener's namespace. */
export type TriggerDraft = Omit<TriggerModel, 'namespace'> & { namespace: string | undefined };

/** A trigger as far as it could be built: whether it authenticates is known even when it is invalid. */
export type BuiltTrigger = { name: string; authenticates: boolean; draft: TriggerDraft | undefined };

/**
 * What the per-kind builders share: every document (to find references in, with `findDocument`) and the models of the
 * documents other documents refer to (bindings, templates, triggers), each built once.
 */
export interface ConfigIndex {
  readonly docs: readonly ConfigDocument[];
  readonly bindings: ReadonlyMap<ConfigDocument, Binding[]>;
  readonly templates: ReadonlyMap<ConfigDocument, TemplateModel | undefined>;
  readonly triggers: ReadonlyMap<ConfigDocument, BuiltTrigger>;
}
