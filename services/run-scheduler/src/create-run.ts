import type { RunJob } from '@signalbox/contracts';
import type { ConcurrencyGroups } from './concurrency-groups.ts';
import type { KubeObject, RunBackend } from './run-backend.ts';
import { deterministicName } from './run-name.ts';
import { sanitizeMetadata } from './sanitize-metadata.ts';

/** Annotation carrying the correlation block, so status notifications can name the change. */
export const correlationAnnotation = 'signalbox.dev/correlation';
export const managedLabel = 'signalbox.dev/managed-by';

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
      [correlationAnnotation]: JSON.stringify(job.correlation),
    },
  });
  return {
    ...resource,
    apiVersion: String(resource.apiVersion),
    kind: String(resource.kind),
    metadata: { ...sanitized, name, namespace },
  };
}

/**
 * Creates one job's object exactly once: a repeat (retry, redelivery, a crashed worker's job
 * picked up again) asks for the same name and finds it there. Concurrency groups apply to
 * PipelineRuns on a real cluster.
 */
export async function createRun(
  job: RunJob,
  deps: { backend: RunBackend; groups?: ConcurrencyGroups },
): Promise<{ name: string; namespace: string; created: boolean; pending: boolean; cancelled: string[] }> {
  const object = prepareObject(job);
  const base = { name: object.metadata.name, namespace: object.metadata.namespace };
  if (job.concurrency && deps.groups && deps.backend.kind === 'kubernetes' && object.kind === 'PipelineRun') {
    return { ...base, ...(await deps.groups.create(object, job.concurrency)) };
  }
  const { created } = await deps.backend.create(object);
  return { ...base, created, pending: false, cancelled: [] };
}
