import type { TemplateModel } from '../templates/render-template.ts';
import type { ConfigIssue } from '../types.ts';
import { buildBinding } from './build-binding.ts';
import { buildListener } from './build-listener.ts';
import { buildTemplate } from './build-template.ts';
import { buildTrigger } from './build-trigger.ts';
import type { Binding, BuiltTrigger, ConfigIndex, DocReport } from './config-index.ts';
import type { ListenerModel, LoadedConfig, LoadResult } from './config-model.ts';
import { reportDuplicateDocuments } from './duplicate-document-problems.ts';
import { imageUpdatePolicyProblems } from './image-update-policy-problems.ts';
import { type ConfigDocument, readDocuments } from './read-documents.ts';
import type {
  ImageUpdatePolicySpec,
  KindName,
  SlackRouteSpec,
  TemplateSpec,
  TriggerSpec,
} from './schemas.ts';
import { slackRouteProblems } from './slack-route-problems.ts';

/** Builds each document of the given kinds once, keyed by document. */
function buildEach<T>(
  docs: readonly ConfigDocument[],
  kinds: readonly KindName[],
  build: (doc: ConfigDocument) => T,
): Map<ConfigDocument, T> {
  return new Map(docs.filter((d) => kinds.includes(d.kind)).map((d) => [d, build(d)]));
}

/** Listeners by name; a second listener of the same name is reported (names are URL paths). */
function buildListeners(index: ConfigIndex, report: DocReport): Map<string, ListenerModel> {
  const listeners = new Map<string, ListenerModel>();
  for (const doc of index.docs.filter((d) => d.kind === 'EventListener')) {
    const name = doc.metadata.name;
    if (listeners.has(name)) {
      report(doc, 'metadata.name', `EventListener ${name} is defined twice; listener names are URL paths`);
      continue;
    }
    const listener = buildListener(index, report, doc);
    if (listener) listeners.set(name, listener);
  }
  return listeners;
}

/** The signalbox.dev kinds the listener does not run: checked here, used by other services. */
function buildPoliciesAndRoutes(
  docs: readonly ConfigDocument[],
  report: DocReport,
): Pick<LoadedConfig, 'imageUpdatePolicies' | 'slackRoutes'> {
  const imageUpdatePolicies = docs
    .filter((d) => d.kind === 'ImageUpdatePolicy')
    .map((doc) => {
      const spec = doc.spec as ImageUpdatePolicySpec;
      for (const p of imageUpdatePolicyProblems(spec)) report(doc, `spec.${p.field}`, p.message);
      return { name: doc.metadata.name, spec };
    });
  const slackRoutes = docs
    .filter((d) => d.kind === 'SlackRoute')
    .map((doc) => {
      const spec = doc.spec as SlackRouteSpec;
      const { problems, when } = slackRouteProblems(spec);
      for (const p of problems) report(doc, `spec.${p.field}`, p.message);
      return { name: doc.metadata.name, spec, ...(when ? { when } : {}) };
    });
  return { imageUpdatePolicies, slackRoutes };
}

/**
 * Loads and validates a config directory of multi-document YAML (Tekton Triggers kinds and the
 * signalbox.dev kinds). Every problem is reported, not just the first, each with file, document
 * (index and name), field path and line. CEL is compiled here, once; bindings are parsed and
 * templates serialised here, so an event only evaluates.
 *
 * Namespaces: a document with `metadata.namespace` is found only from that namespace, as in
 * Tekton; one without belongs to whatever references or selects it (a local config usually names
 * none). A listener without a namespace is in `default`.
 *
 * Deliberate differences from Tekton, each closing a silent failure: every `$(tt.params.X)` must be
 * declared and every template param bound or defaulted; a trigger name appears once per listener
 * (Tekton fires a trigger twice when a triggerRef, a selector or two trigger groups pick it); a selector or group
 * that selects no Trigger is an error; and a listener must authenticate its senders (a github or
 * harbor interceptor with `secretRef` on every trigger) unless it is annotated
 * `signalbox.dev/allow-unauthenticated: "true"`.
 *
 * Each kind has its builder (`build-binding.ts`, `build-template.ts`, `build-trigger.ts`,
 * `build-listener.ts`); documents that others refer to are built once, first, in that order.
 */
export function loadConfig(dir: string): LoadResult {
  const read = readDocuments(dir);
  const { docs } = read;
  const issues: ConfigIssue[] = [...read.issues];
  const report: DocReport = (doc, field, message) =>
    issues.push({
      file: doc.file,
      documentIndex: doc.index,
      documentName: doc.metadata.name,
      field,
      message,
    });

  reportDuplicateDocuments(docs, report);
  const bindings: Map<ConfigDocument, Binding[]> = buildEach(
    docs,
    ['TriggerBinding', 'ClusterTriggerBinding'],
    (doc) => buildBinding(doc, report),
  );
  const templates: Map<ConfigDocument, TemplateModel | undefined> = buildEach(
    docs,
    ['TriggerTemplate'],
    (doc) =>
      buildTemplate(
        doc,
        'spec',
        doc.metadata.name,
        doc.spec as TemplateSpec,
        doc.metadata.annotations ?? {},
        report,
      ),
  );
  const partial = { docs, bindings, templates, triggers: new Map<ConfigDocument, BuiltTrigger>() };
  const triggers = buildEach(docs, ['Trigger'], (doc) =>
    buildTrigger(
      partial,
      report,
      doc,
      'spec',
      doc.spec as TriggerSpec,
      doc.metadata.name,
      doc.metadata.namespace,
    ),
  );
  const listeners = buildListeners({ ...partial, triggers }, report);
  const { imageUpdatePolicies, slackRoutes } = buildPoliciesAndRoutes(docs, report);

  if (issues.length > 0) {
    return {
      ok: false,
      issues: issues.map((issue) => {
        if (issue.line !== undefined) return issue;
        const line = read.lineOf(issue);
        return line === undefined ? issue : { ...issue, line };
      }),
    };
  }
  return {
    ok: true,
    config: { dir, listeners, imageUpdatePolicies, slackRoutes, documentCount: docs.length },
  };
}
