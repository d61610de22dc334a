import { isDeepStrictEqual } from 'node:util';
import { goDuration } from './go-duration.ts';
import { KubeApiError } from './kube-api-error.ts';
import type { ResourceType } from './resource-type.ts';

type Obj = Record<string, unknown>;
/** Known JSON fields of a Go struct: `true` accepts anything below, an object recurses, `[x]` is a list of x. */
type Shape = true | { readonly [field: string]: Shape } | readonly [Shape];

const ref = { name: true, kind: true, apiVersion: true, resolver: true, params: true } as const;
const param = [{ name: true, value: true }] as const;
const workspaces = [
  {
    name: true,
    subPath: true,
    volumeClaimTemplate: true,
    persistentVolumeClaim: true,
    emptyDir: true,
    configMap: true,
    secret: true,
    projected: true,
    csi: true,
  },
] as const;

/** The parts of Tekton v1's Go types the webhook decodes with DisallowUnknownFields that we check. */
const shapes: Record<string, Shape> = {
  pipelineruns: {
    apiVersion: true,
    kind: true,
    metadata: true,
    status: true,
    spec: {
      pipelineRef: { name: true, apiVersion: true, resolver: true, params: true },
      pipelineSpec: true,
      params: param,
      status: true,
      timeouts: { pipeline: true, tasks: true, finally: true },
      taskRunTemplate: { podTemplate: true, serviceAccountName: true },
      workspaces,
      taskRunSpecs: true,
      managedBy: true,
    },
  },
  taskruns: {
    apiVersion: true,
    kind: true,
    metadata: true,
    status: true,
    spec: {
      debug: true,
      params: param,
      serviceAccountName: true,
      taskRef: ref,
      taskSpec: true,
      status: true,
      statusMessage: true,
      retries: true,
      timeout: true,
      podTemplate: true,
      workspaces,
      stepSpecs: true,
      sidecarSpecs: true,
      computeResources: true,
      managedBy: true,
    },
  },
};

/** The first field `encoding/json` would call unknown, in document order. */
function unknownField(value: unknown, shape: Shape): string | undefined {
  if (shape === true || value === null || typeof value !== 'object') return undefined;
  if (Array.isArray(shape)) {
    if (!Array.isArray(value)) return undefined;
    for (const item of value) {
      const found = unknownField(item, shape[0] as Shape);
      if (found) return found;
    }
    return undefined;
  }
  if (Array.isArray(value)) return undefined;
  const fields = shape as Record<string, Shape>;
  for (const [key, child] of Object.entries(value)) {
    const s = fields[key];
    if (s === undefined) return key;
    const found = unknownField(child, s);
    if (found) return found;
  }
  return undefined;
}

const durationFields: Record<string, readonly string[][]> = {
  pipelineruns: [
    ['spec', 'timeouts', 'pipeline'],
    ['spec', 'timeouts', 'tasks'],
    ['spec', 'timeouts', 'finally'],
  ],
  taskruns: [['spec', 'timeout']],
};

const at = (o: unknown, path: readonly string[]): unknown =>
  path.reduce<unknown>((n, k) => (n !== null && typeof n === 'object' ? (n as Obj)[k] : undefined), o);

const denied = (webhook: string, phase: string, message: string) =>
  KubeApiError.badRequest(`admission webhook "${webhook}" denied the request: ${phase} failed: ${message}`);

/** knative `apis.FieldError`: merged by message, paths sorted, one line per message. */
class FieldErrors {
  readonly #byMessage = new Map<string, Set<string>>();
  add(message: string, ...paths: string[]): void {
    const set = this.#byMessage.get(message) ?? new Set<string>();
    for (const p of paths) set.add(p);
    this.#byMessage.set(message, set);
  }
  get empty(): boolean {
    return this.#byMessage.size === 0;
  }
  toString(): string {
    return [...this.#byMessage.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([message, paths]) => `${message}: ${[...paths].sort().join(', ')}`)
      .join('\n');
  }
}

const succeeded = (o: Obj | undefined) =>
  ((at(o, ['status', 'conditions']) as Obj[] | undefined) ?? []).find((c) => c.type === 'Succeeded');
const isDone = (o: Obj | undefined) => {
  const s = succeeded(o)?.status;
  return s !== undefined && s !== 'Unknown';
};
const hasStarted = (o: Obj) => Boolean(at(o, ['status', 'startTime']));

const specStatuses = {
  pipelineruns: ['Cancelled', 'CancelledRunFinally', 'StoppedRunFinally', 'PipelineRunPending'],
  taskruns: ['TaskRunCancelled'],
} as const;

function validateTimeouts(spec: Obj, errs: FieldErrors): void {
  const timeouts = spec.timeouts as Obj | undefined;
  if (!timeouts) return;
  const ms = (k: string) => (typeof timeouts[k] === 'string' ? goDuration.parse(timeouts[k]) : undefined);
  const [pipeline, tasks, fin] = [ms('pipeline'), ms('tasks'), ms('finally')];
  for (const [k, v] of [
    ['tasks', tasks],
    ['finally', fin],
    ['pipeline', pipeline],
  ] as const) {
    if (v !== undefined && v < 0)
      errs.add(`invalid value: ${goDuration.format(v)} should be >= 0`, `spec.timeouts.${k}`);
  }
  // Tekton's default-timeout-minutes is 60.
  const limit = pipeline ?? 3_600_000;
  const what =
    pipeline !== undefined ? 'should be <= pipeline duration' : 'should be <= default timeout duration';
  for (const [k, v] of [
    ['tasks', tasks],
    ['finally', fin],
  ] as const) {
    if (v === undefined) continue;
    if ((v > limit && limit !== 0) || (v === 0 && limit !== 0)) {
      errs.add(
        `invalid value: ${goDuration.format(v)}${v === 0 ? ' (no timeout)' : ''} ${what}`,
        `spec.timeouts.${k}`,
      );
    }
  }
  if (tasks !== undefined && fin !== undefined && tasks + fin > limit) {
    errs.add(
      `invalid value: ${goDuration.format(tasks)} + ${goDuration.format(fin)} ${what}`,
      'spec.timeouts.tasks',
      'spec.timeouts.finally',
    );
  }
}

/**
 * Tekton Pipelines' admission webhooks for `tekton.dev/v1` PipelineRuns and TaskRuns, as far as
 * Signalbox can run into them: the defaulting webhook (`webhook.pipeline.tekton.dev`, decodes with
 * DisallowUnknownFields — a v1beta1-only field is a 400 — then sets the default timeout and service
 * account) and the validating webhook (`validation.webhook.pipeline.tekton.dev`: names ≤ 63 without
 * dots, exactly one of pipelineRef/pipelineSpec or taskRef/taskSpec, `spec.status` values, timeouts,
 * and the update rule that only `spec.status` may change until the run is done).
 */
export const tektonAdmission = {
  handles(t: ResourceType): boolean {
    return t.group === 'tekton.dev' && (t.plural === 'pipelineruns' || t.plural === 'taskruns');
  },

  /** Returns the defaulted object or throws the webhook's 400. */
  mutate(t: ResourceType, object: Obj): Obj {
    const shape = shapes[t.plural] as Shape;
    const unknown = unknownField(object, shape);
    const fail = (m: string) =>
      denied('webhook.pipeline.tekton.dev', 'mutation', `cannot decode incoming new object: ${m}`);
    if (unknown) throw fail(`json: unknown field "${unknown}"`);
    for (const path of durationFields[t.plural] ?? []) {
      const v = at(object, path);
      if (v === undefined) continue;
      if (typeof v !== 'string') {
        throw fail(`json: cannot unmarshal ${typeof v} into Go value of type string`);
      }
      if (goDuration.parse(v) === undefined) throw fail(`time: invalid duration ${JSON.stringify(v)}`);
    }
    const spec = { ...((object.spec as Obj | undefined) ?? {}) };
    if (t.plural === 'pipelineruns') {
      const timeouts = { ...((spec.timeouts as Obj | undefined) ?? {}) };
      timeouts.pipeline ??= '1h0m0s';
      spec.timeouts = timeouts;
      const template = { ...((spec.taskRunTemplate as Obj | undefined) ?? {}) };
      if (!template.serviceAccountName) template.serviceAccountName = 'default';
      spec.taskRunTemplate = template;
    } else {
      spec.timeout ??= '1h0m0s';
      if (!spec.serviceAccountName) spec.serviceAccountName = 'default';
      const taskRef = spec.taskRef as Obj | undefined;
      if (taskRef && !taskRef.kind && !taskRef.resolver) spec.taskRef = { ...taskRef, kind: 'Task' };
    }
    return { ...object, spec };
  },

  /** Throws the validating webhook's 400 when `object` (and, on update, the change from `old`) is refused. */
  validate(t: ResourceType, object: Obj, old: Obj | undefined): void {
    const errs = new FieldErrors();
    const name = String(at(object, ['metadata', 'name']) ?? '');
    if (name.includes('.'))
      errs.add('Invalid resource name: special character . must not be present', 'metadata.name');
    else if (name.length > 63)
      errs.add('Invalid resource name: length must be no more than 63 characters', 'metadata.name');
    const spec = (object.spec as Obj | undefined) ?? {};
    const pipeline = t.plural === 'pipelineruns';
    const [refKey, specKey] = pipeline ? ['pipelineRef', 'pipelineSpec'] : ['taskRef', 'taskSpec'];
    const kind = pipeline ? 'PipelineRun' : 'TaskRun';
    if (old) {
      const oldSpec = (old.spec as Obj | undefined) ?? {};
      const done = isDone(old);
      const comparable = done
        ? oldSpec
        : { ...oldSpec, status: spec.status, statusMessage: spec.statusMessage };
      const strip = (s: Obj) =>
        Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined && v !== '' && v !== null));
      if (!isDeepStrictEqual(strip(comparable), strip(spec))) {
        const tips = done
          ? `Once the ${kind} is complete, no updates are allowed`
          : pipeline
            ? 'Once the PipelineRun has started, only status updates are allowed'
            : 'Once the TaskRun has started, only status and statusMessage updates are allowed';
        errs.add(`invalid value: ${tips}`, 'spec');
      }
    }
    if (pipeline && spec.status === 'PipelineRunPending' && hasStarted(object)) {
      errs.add('invalid value: PipelineRun cannot be Pending after it is started', 'spec.status');
    }
    if (spec[refKey] === undefined && spec[specKey] === undefined) {
      errs.add('expected exactly one, got neither', `spec.${refKey}`, `spec.${specKey}`);
    } else if (spec[refKey] !== undefined && spec[specKey] !== undefined) {
      errs.add('expected exactly one, got both', `spec.${refKey}`, `spec.${specKey}`);
    }
    const r = spec[refKey] as Obj | undefined;
    if (r && !r.name && !r.resolver) errs.add('missing field(s)', `spec.${refKey}.name`);
    if (r?.name && r.resolver)
      errs.add('expected exactly one, got both', `spec.${refKey}.name`, `spec.${refKey}.resolver`);
    const allowed = specStatuses[pipeline ? 'pipelineruns' : 'taskruns'] as readonly string[];
    if (spec.status !== undefined && spec.status !== '' && !allowed.includes(String(spec.status))) {
      const list =
        allowed.length > 1 ? `${allowed.slice(0, -1).join(', ')} or ${allowed.at(-1)}` : allowed[0];
      errs.add(`invalid value: ${String(spec.status)} should be ${list}`, 'spec.status');
    }
    if (pipeline) validateTimeouts(spec, errs);
    if (!errs.empty) throw denied('validation.webhook.pipeline.tekton.dev', 'validation', errs.toString());
  },
} as const;
