import { notificationKinds } from '@signalbox/contracts';

const isParamOnly = (v: unknown) => typeof v === 'string' && v.includes('$(');

/**
 * What config load can already tell about one resource template, before any event: it is a
 * Kubernetes object (`apiVersion`, `kind`), and a `signalbox.dev` object is one the services own
 * (`ImageUpdate` with `spec.image` and `spec.tag`, `Notification` with a known `spec.kind`) rather
 * than something the run-scheduler would try to create in the cluster. Fields are relative to the
 * resource template.
 */
export function resourceTemplateProblems(
  resource: Record<string, unknown>,
): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  const { apiVersion, kind } = resource;
  if (typeof apiVersion !== 'string' || apiVersion === '')
    problems.push({ field: 'apiVersion', message: 'a resource template needs apiVersion' });
  if (typeof kind !== 'string' || kind === '')
    problems.push({ field: 'kind', message: 'a resource template needs kind' });
  const metadata = resource.metadata;
  if (
    metadata !== undefined &&
    (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata))
  )
    problems.push({ field: 'metadata', message: 'must be a mapping' });
  if (typeof apiVersion !== 'string' || !apiVersion.startsWith('signalbox.dev/')) return problems;
  if (apiVersion !== 'signalbox.dev/v1alpha1') {
    problems.push({ field: 'apiVersion', message: 'signalbox.dev objects are signalbox.dev/v1alpha1' });
  }
  const spec = (resource.spec ?? {}) as Record<string, unknown>;
  if (kind === 'ImageUpdate') {
    for (const key of ['image', 'tag']) {
      if (typeof spec[key] !== 'string' || spec[key] === '')
        problems.push({ field: `spec.${key}`, message: 'an ImageUpdate needs it (usually $(tt.params.…))' });
    }
  } else if (kind === 'Notification') {
    const k = spec.kind;
    if (typeof k !== 'string' || (!isParamOnly(k) && !(notificationKinds as readonly string[]).includes(k))) {
      problems.push({
        field: 'spec.kind',
        message: `must be one of ${notificationKinds.join(', ')}`,
      });
    }
    for (const key of ['correlation', 'data']) {
      const v = spec[key];
      if (v !== undefined && (v === null || typeof v !== 'object' || Array.isArray(v)))
        problems.push({ field: `spec.${key}`, message: 'must be a mapping' });
    }
  } else {
    problems.push({
      field: 'kind',
      message: `a template can render signalbox.dev ImageUpdate or Notification, not ${JSON.stringify(kind)}`,
    });
  }
  return problems;
}
