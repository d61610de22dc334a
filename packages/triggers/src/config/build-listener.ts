import { createHash } from 'node:crypto';
import { metadataKeys } from '@signalbox/contracts';
import { buildInterceptors } from './build-interceptors.ts';
import { buildTrigger } from './build-trigger.ts';
import type { BuiltTrigger, ConfigIndex, DocReport } from './config-index.ts';
import type { ListenerModel, TriggerGroupModel, TriggerModel } from './config-model.ts';
import { findDocument } from './find-document.ts';
import type { ConfigDocument } from './read-documents.ts';
import type { EventListenerSpec } from './schemas.ts';
import { selectTriggers } from './select-triggers.ts';

const allowUnauthenticatedAnnotation = metadataKeys.allowUnauthenticated;

/** Checks a selected trigger (once per listener, authenticated) and gives its model if valid. */
type Take = (
  built: BuiltTrigger | undefined,
  field: string,
  group?: { name: string; authenticates: boolean },
) => TriggerModel[];

/** The `take` of one listener: remembers which field selected each trigger name. */
function triggerTaker(
  report: DocReport,
  doc: ConfigDocument,
  namespace: string,
  allowUnauthenticated: boolean,
): Take {
  const hint = `add a github or harbor interceptor with secretRef, or annotate the EventListener ${allowUnauthenticatedAnnotation}: "true"`;
  const names = new Map<string, string>();
  return (built, field, group) => {
    if (!built) return [];
    const prior = names.get(built.name);
    if (prior) {
      report(doc, field, `trigger ${built.name} is already selected by ${prior}; it would fire twice`);
      return [];
    }
    names.set(built.name, field);
    if (!allowUnauthenticated && !built.authenticates && !group?.authenticates) {
      const which = group ? `trigger ${built.name} in group ${group.name}` : `trigger ${built.name}`;
      report(doc, field, `${which} does not authenticate its sender: ${hint}`);
    }
    return built.draft ? [{ ...built.draft, namespace: built.draft.namespace ?? namespace }] : [];
  };
}

/** `spec.triggers` (inline triggers and triggerRefs) and the triggers `spec.labelSelector` / `namespaceSelector` pick. */
function listenerTriggers(
  index: ConfigIndex,
  report: DocReport,
  doc: ConfigDocument,
  namespace: string,
  take: Take,
): TriggerModel[] {
  const spec = doc.spec as EventListenerSpec;
  const triggers: TriggerModel[] = [];
  spec.triggers?.forEach((t, i) => {
    const field = `spec.triggers[${i}]`;
    if (t.triggerRef !== undefined) {
      const { triggerRef, name: _label, ...rest } = t;
      if (Object.keys(rest).length > 0) {
        report(doc, field, `a triggerRef entry takes no ${Object.keys(rest).join(', ')}`);
        return;
      }
      const target = findDocument(
        index.docs,
        report,
        doc,
        `${field}.triggerRef`,
        'Trigger',
        triggerRef,
        namespace,
      );
      if (target) triggers.push(...take(index.triggers.get(target), field));
      return;
    }
    const built = buildTrigger(
      index,
      report,
      doc,
      field,
      t,
      t.name ?? `${doc.metadata.name}-${i}`,
      namespace,
    );
    triggers.push(...take(built, field));
  });
  if (spec.labelSelector || spec.namespaceSelector) {
    const field = spec.labelSelector ? 'spec.labelSelector' : 'spec.namespaceSelector';
    const namespaces = spec.namespaceSelector?.matchNames;
    const selected = selectTriggers(
      index.docs,
      report,
      doc,
      field,
      namespaces,
      spec.labelSelector,
      namespace,
    );
    for (const d of selected) triggers.push(...take(index.triggers.get(d), field));
  }
  return triggers;
}

/** `spec.triggerGroups`: each group's interceptors and the triggers its selector picks. */
function listenerGroups(
  index: ConfigIndex,
  report: DocReport,
  doc: ConfigDocument,
  namespace: string,
  take: Take,
): TriggerGroupModel[] {
  return ((doc.spec as EventListenerSpec).triggerGroups ?? []).map((g, i) => {
    const field = `spec.triggerGroups[${i}]`;
    const { namespaceSelector, labelSelector } = g.triggerSelector;
    const interceptors = buildInterceptors(doc, `${field}.interceptors`, g.interceptors, report);
    const group = { name: g.name, authenticates: interceptors.some((x) => x.authenticates) };
    const at = `${field}.triggerSelector`;
    if (!namespaceSelector && !labelSelector) {
      report(doc, at, 'needs a labelSelector or namespaceSelector');
      return { name: g.name, interceptors, triggers: [] };
    }
    const selected = selectTriggers(
      index.docs,
      report,
      doc,
      at,
      namespaceSelector?.matchNames,
      labelSelector,
      namespace,
    );
    return {
      name: g.name,
      interceptors,
      triggers: selected.flatMap((d) => take(index.triggers.get(d), at, group)),
    };
  });
}

/**
 * Builds an EventListener document: its triggers (inline, referenced, selected) and trigger
 * groups, each trigger once, every one authenticating its sender unless the listener is annotated
 * `signalbox.dev/allow-unauthenticated: "true"`. A listener without a namespace is in `default`;
 * without a uid it gets one derived from namespace and name. Returns undefined after reporting.
 */
export function buildListener(
  index: ConfigIndex,
  report: DocReport,
  doc: ConfigDocument,
): ListenerModel | undefined {
  let failed = false;
  const counted: DocReport = (d, field, message) => {
    failed = true;
    report(d, field, message);
  };
  const spec = doc.spec as EventListenerSpec;
  const namespace = doc.metadata.namespace ?? 'default';
  const name = doc.metadata.name;
  if (
    !spec.triggers?.length &&
    !spec.triggerGroups?.length &&
    !spec.labelSelector &&
    !spec.namespaceSelector
  ) {
    counted(
      doc,
      'spec',
      'an EventListener needs triggers, triggerGroups, labelSelector or namespaceSelector',
    );
  }
  const allowUnauthenticated = doc.metadata.annotations?.[allowUnauthenticatedAnnotation] === 'true';
  const take = triggerTaker(counted, doc, namespace, allowUnauthenticated);
  const triggers = listenerTriggers(index, counted, doc, namespace, take);
  const groups = listenerGroups(index, counted, doc, namespace, take);
  if (failed) return undefined;
  const uid =
    doc.metadata.uid ??
    createHash('sha256')
      .update(`${namespace}/${name}`)
      .digest('hex')
      .replace(/^(.{8})(.{4})(.{4})(.{4})(.{12}).*$/, '$1-$2-$3-$4-$5');
  return { name, namespace, uid, allowUnauthenticated, triggers, groups };
}
