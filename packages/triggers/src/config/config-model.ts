import type { BindingPart } from '../bindings/binding-value.ts';
import type { Interceptor } from '../interceptors/interceptor.ts';
import type { TemplateModel } from '../templates/render-template.ts';
import type { ConfigIssue } from '../types.ts';
import type { NotificationCondition } from './compile-notification-condition.ts';
import type { ImageUpdatePolicySpec, SlackRouteSpec } from './schemas.ts';

/** A trigger ready to run: interceptors built, CEL compiled, bindings parsed, template serialised. */
export interface TriggerModel {
  readonly name: string;
  readonly namespace: string;
  readonly interceptors: readonly Interceptor[];
  readonly bindings: readonly { name: string; parts: readonly BindingPart[] }[];
  readonly template: TemplateModel;
}

export interface TriggerGroupModel {
  readonly name: string;
  readonly interceptors: readonly Interceptor[];
  readonly triggers: readonly TriggerModel[];
}

export interface ListenerModel {
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
  /** `signalbox.dev/allow-unauthenticated: "true"`: the only way to run without a verified sender. */
  readonly allowUnauthenticated: boolean;
  readonly triggers: readonly TriggerModel[];
  readonly groups: readonly TriggerGroupModel[];
}

/** A loaded, valid config. */
export interface LoadedConfig {
  readonly dir: string;
  readonly listeners: ReadonlyMap<string, ListenerModel>;
  readonly imageUpdatePolicies: readonly { name: string; spec: ImageUpdatePolicySpec }[];
  /** `when` is the route's condition, compiled at load. */
  readonly slackRoutes: readonly { name: string; spec: SlackRouteSpec; when?: NotificationCondition }[];
  readonly documentCount: number;
}

export type LoadResult = { ok: true; config: LoadedConfig } | { ok: false; issues: readonly ConfigIssue[] };

/** `file:doc:field: message (line N)`, the form `signalbox validate` prints. */
export function formatIssue(issue: ConfigIssue): string {
  const doc = issue.documentName
    ? `${issue.documentIndex}(${issue.documentName})`
    : String(issue.documentIndex);
  const line = issue.line === undefined ? '' : ` (line ${issue.line})`;
  return `${issue.file}:${doc}:${issue.field || '(document)'}: ${issue.message}${line}`;
}
