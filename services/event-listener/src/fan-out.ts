import {
  type Correlation,
  deterministicName,
  type ImageUpdateJob,
  imageUpdatesQueue,
  type NotificationJob,
  notificationKinds,
  notificationsQueue,
  type RunJob,
  resourceKey,
  runSchema,
  runsQueue,
} from '@signalbox/contracts';
import {
  type Evaluation,
  normalizeHarborPayload,
  type RenderedResource,
  type TriggerVerdict,
} from '@signalbox/triggers';

/**
 * What one resource became: a job on the queue of the service that owns its kind (a Kubernetes
 * object: one run of the delivery's runs job, which carries all of them).
 */
export interface PlannedJob {
  readonly queue: string;
  readonly jobId: string;
  readonly kind: string;
  readonly name?: string;
  readonly namespace: string;
}

export interface FanOut {
  /** The Kubernetes objects to create: they go to the run-scheduler as one job (`runsQueue`). */
  readonly runs: RunJob[];
  readonly imageUpdates: ImageUpdateJob[];
  readonly notifications: NotificationJob[];
  /** Verdicts with the jobs each fired trigger produced, or why a rendered resource was refused. */
  readonly verdicts: TriggerVerdict[];
  readonly jobsByTrigger: Map<string, PlannedJob[]>;
  /** The correlation block every job carries, minus the trigger. */
  readonly correlation: Omit<Correlation, 'trigger'>;
}

const str = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : undefined);

function get(obj: unknown, ...path: string[]): unknown {
  return path.reduce<unknown>(
    (o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined),
    obj,
  );
}

/**
 * The correlation fields one can read off a GitHub or Harbor payload; Harbor's through the same
 * normalisation its interceptor gives templates, so `image` is the repository without a tag.
 */
export function correlationOf(
  body: Record<string, unknown>,
  base: { deliveryId: string; eventId: string; listener: string },
): Omit<Correlation, 'trigger'> {
  const harbor = normalizeHarborPayload(body);
  const fields = {
    repo: str(get(body, 'repository', 'full_name')) ?? str(harbor?.repository),
    sha:
      str(body.after) ??
      str(get(body, 'pull_request', 'head', 'sha')) ??
      str(get(body, 'check_suite', 'head_sha')),
    ref: str(body.ref) ?? str(get(body, 'pull_request', 'head', 'ref')),
    image: str(harbor?.image),
    digest: str(harbor?.digest),
  };
  return { ...base, ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) };
}

type Planned =
  | { queue: 'runs'; job: RunJob; planned: PlannedJob }
  | { queue: 'imageUpdates'; job: ImageUpdateJob; planned: PlannedJob }
  | { queue: 'notifications'; job: NotificationJob; planned: PlannedJob }
  | { refused: string };

/** What each planner is given: the rendered resource and where it stands in the delivery. */
interface PlanInput {
  readonly resource: RenderedResource;
  readonly index: number;
  readonly correlation: Correlation;
  /** The resource's identity (`resourceKey`), a notification's key. */
  readonly key: string;
  readonly now: Date;
  readonly kind: string;
  readonly spec: Record<string, unknown>;
}

/**
 * A Kubernetes object → a run of the delivery's one runs job, named as the run-scheduler will name
 * it. Its job id is the runs job's, known once every trigger is planned (`planFanOut`).
 */
function planRun({ resource, index, correlation, kind }: PlanInput): Planned {
  const { namespace, object } = resource;
  const parsed = runSchema.safeParse({
    correlation,
    index,
    namespace,
    resource: object,
    ...(resource.concurrency ? { concurrency: resource.concurrency } : {}),
  });
  if (!parsed.success) return { refused: `resource ${index} (${kind}): ${parsed.error.issues[0]?.message}` };
  // The name the run-scheduler will create it under (the same pure function), so the 202 and
  // the ledger name the object a user will find, not its generateName prefix.
  const name = deterministicName(parsed.data.resource as Parameters<typeof deterministicName>[0], {
    eventId: parsed.data.correlation.eventId,
    trigger: parsed.data.correlation.trigger,
    index,
  });
  const planned = {
    queue: runsQueue.name,
    jobId: '',
    kind,
    namespace,
    ...(name ? { name } : {}),
  };
  return { queue: 'runs', job: parsed.data, planned };
}

/** An ImageUpdate → an image-updates job; the image and digest join the correlation. */
function planImageUpdate({ resource, index, correlation, kind, spec }: PlanInput): Planned {
  const image = str(spec.image);
  const digest = str(spec.digest);
  const parsed = imageUpdatesQueue.schema.safeParse({
    correlation: { ...correlation, ...(image ? { image } : {}), ...(digest ? { digest } : {}) },
    index,
    image: spec.image,
    tag: spec.tag,
    event: spec.event ?? 'PUSH_ARTIFACT',
    ...(digest ? { digest } : {}),
    ...(str(spec.severity) ? { severity: spec.severity } : {}),
  });
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `spec.${i.path.join('.')} ${i.message}`).join('; ');
    return { refused: `resource ${index} (ImageUpdate): ${detail}` };
  }
  const planned = {
    queue: imageUpdatesQueue.name,
    jobId: imageUpdatesQueue.jobId(parsed.data),
    kind,
    namespace: resource.namespace,
  };
  return { queue: 'imageUpdates', job: parsed.data, planned };
}

/** A Notification → a notifications job keyed by the resource's identity. */
function planNotification({ resource, index, correlation, key, now, kind, spec }: PlanInput): Planned {
  const parsed = notificationsQueue.schema.safeParse({
    kind: spec.kind,
    key,
    correlation: { ...correlation, ...((spec.correlation as Record<string, unknown> | undefined) ?? {}) },
    data: (spec.data as Record<string, unknown> | undefined) ?? {},
    occurredAt: now.toISOString(),
  });
  if (!parsed.success) {
    return {
      refused: `resource ${index} (Notification): spec.kind must be one of ${notificationKinds.join(', ')}; ${parsed.error.issues[0]?.message}`,
    };
  }
  const planned = {
    queue: notificationsQueue.name,
    jobId: notificationsQueue.jobId(parsed.data),
    kind,
    namespace: resource.namespace,
  };
  return { queue: 'notifications', job: parsed.data, planned };
}

/** A rendered resource → a job for the queue of the service that owns its kind. */
function planResource(
  resource: RenderedResource,
  index: number,
  correlation: Correlation,
  key: string,
  now: Date,
): Planned {
  const input: PlanInput = {
    resource,
    index,
    correlation,
    key,
    now,
    kind: String(resource.object.kind),
    spec: (resource.object.spec ?? {}) as Record<string, unknown>,
  };
  if (resource.route === 'run') return planRun(input);
  if (resource.route === 'image-update') return planImageUpdate(input);
  return planNotification(input);
}

/**
 * Turns every resource of every fired trigger into a job payload for its owner's queue (Kubernetes
 * objects → runs, ImageUpdate → image-updates, Notification → notifications), validated against
 * the queue contracts now: a resource that cannot become a valid job fails its trigger here,
 * with the reason, instead of failing later in a worker.
 */
export function planFanOut(
  evaluation: Evaluation,
  body: Record<string, unknown>,
  deliveryId: string,
  now: Date,
): FanOut {
  const correlation = correlationOf(body, {
    deliveryId,
    eventId: evaluation.eventID,
    listener: evaluation.listener.name,
  });
  const out: FanOut = {
    runs: [],
    imageUpdates: [],
    notifications: [],
    verdicts: [],
    jobsByTrigger: new Map(),
    correlation,
  };
  for (const verdict of evaluation.triggers) {
    if (!verdict.fired) {
      out.verdicts.push(verdict);
      continue;
    }
    const withTrigger: Correlation = { ...correlation, trigger: verdict.name };
    const plans = (verdict.resources ?? []).map((resource, index) =>
      planResource(
        resource,
        index,
        withTrigger,
        resourceKey({ eventId: evaluation.eventID, trigger: verdict.name, index }),
        now,
      ),
    );
    const refused = plans.find((p): p is { refused: string } => 'refused' in p);
    if (refused) {
      out.verdicts.push({ ...verdict, fired: false, stage: 'template', reason: refused.refused });
      continue;
    }
    for (const p of plans) {
      if ('refused' in p) continue;
      if (p.queue === 'runs') out.runs.push(p.job);
      else if (p.queue === 'imageUpdates') out.imageUpdates.push(p.job);
      else out.notifications.push(p.job);
    }
    out.jobsByTrigger.set(
      verdict.name,
      plans.flatMap((p) => ('refused' in p ? [] : [p.planned])),
    );
    out.verdicts.push(verdict);
  }
  return withRunsJobId(out);
}

/** The delivery's runs go as one job: each planned run gets that job's id. */
function withRunsJobId(out: FanOut): FanOut {
  if (out.runs.length === 0) return out;
  const jobId = runsQueue.jobId({ runs: out.runs });
  for (const [trigger, jobs] of out.jobsByTrigger)
    out.jobsByTrigger.set(
      trigger,
      jobs.map((j) => (j.queue === runsQueue.name ? { ...j, jobId } : j)),
    );
  return out;
}
