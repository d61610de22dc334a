import { deterministicName, metadataKeys, type RunJob } from '@signalbox/contracts';
import type { ConcurrencyGroups } from './concurrency-groups.ts';
import type { KubeObject, RunBackend } from './run-backend.ts';
import { boundedFields, sanitizeMetadata } from './sanitize-metadata.ts';

/** Annotation carrying the correlation block, so status notifications can name the change. */
export const correlationAnnotation = metadataKeys.correlation;
export const managedLabel = metadataKeys.managedBy;

/** The object exactly as it will be created: deterministic name, valid labels, our markers. */
export function prepareObject(job: RunJob): KubeObject {
  const resource = job.resource as Record<string, unknown> & { metadata?: Record<string, unknown> };
  const name = deterministicName(resource, {
    eventId: job.correlation.eventId,
    trigger: job.correlation.trigger,
    index: job.index,
  });
  const { generateName: _generated, ...metadata } = resource.metadata ?? {};
  const namespace =
    typeof metadata.namespace === 'string' && metadata.namespace ? metadata.namespace : job.namespace;
  const sanitized = sanitizeMetadata({
    ...metadata,
    labels: { ...(metadata.labels as Record<string, string> | undefined), [managedLabel]: 'signalbox' },
    annotations: {
      ...(metadata.annotations as Record<string, string> | undefined),
      // Always valid JSON: each field is bounded here, so the annotation is never cut to fit.
      [correlationAnnotation]: JSON.stringify(boundedFields(job.correlation)),
    },
  });
  return {
    ...resource,
    apiVersion: String(resource.apiVersion),
    kind: String(resource.kind),
    metadata: { ...sanitized, name, namespace },
  };
}

/** What creating one job's object did. */
export interface CreateRunResult {
  readonly name: string;
  readonly namespace: string;
  /** False when the name already existed: a repeat of work already done. */
  readonly created: boolean;
  /** Created as `PipelineRunPending`, waiting for a slot in its concurrency group. */
  readonly pending: boolean;
  /** Older runs of the group this one superseded. */
  readonly cancelled: string[];
  /** Why the job's concurrency group was not applied, if it was not. */
  readonly groupIgnored?: string;
}

/**
 * Creates one job's object exactly once: a repeat (retry, redelivery, a crashed worker's job
 * picked up again) asks for the same name and finds it there. Concurrency groups need
 * PipelineRuns (their `spec.status` is how runs wait and are cancelled); the dry-run backend
 * applies them the same way to its files.
 * `enqueuedAt` (ms) orders runs within a group.
 */
export async function createRun(
  job: RunJob,
  deps: { backend: RunBackend; groups?: ConcurrencyGroups },
  enqueuedAt = Date.now(),
): Promise<CreateRunResult> {
  const object = prepareObject(job);
  const base = { name: object.metadata.name, namespace: object.metadata.namespace };
  let groupIgnored: string | undefined;
  if (job.concurrency) {
    if (object.kind !== 'PipelineRun')
      groupIgnored = `concurrency groups apply to PipelineRuns, not ${object.kind}`;
    else if (deps.groups)
      return { ...base, ...(await deps.groups.create(object, job.concurrency, enqueuedAt)) };
  }
  const { created } = await deps.backend.create(object);
  return { ...base, created, pending: false, cancelled: [], ...(groupIgnored ? { groupIgnored } : {}) };
}
