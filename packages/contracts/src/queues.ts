import { z } from 'zod';
import { correlationSchema } from './correlation.ts';
import { defineQueue } from './define-queue.ts';
import { jobId } from './job-id.ts';
import { defaultJobOptions } from './job-options.ts';
import { notificationKinds } from './notification-kinds.ts';

const kubeObject = z
  .object({
    apiVersion: z.string().min(1),
    kind: z.string().min(1),
    metadata: z.record(z.string(), z.unknown()).optional(),
  })
  .passthrough();

/** How cancel-in-progress stops a superseded PipelineRun (Tekton's `spec.status` values). */
export const cancelModes = ['CancelledRunFinally', 'Cancelled', 'StoppedRunFinally'] as const;

/** A concurrency group resolved from TriggerTemplate annotations at render time. */
export const concurrencySchema = z.object({
  group: z.string().min(1),
  limit: z.number().int().positive(),
  policy: z.enum(['queue', 'cancel-in-progress']),
  /**
   * cancel-in-progress only; absent means `CancelledRunFinally`, so a superseded run's `finally`
   * tasks (cleanup, notifications) still run.
   */
  cancel: z.enum(cancelModes).optional(),
});

/** One Kubernetes object (PipelineRun, TaskRun, …) to create exactly once: a fired trigger's resource. */
export const runSchema = z.object({
  correlation: correlationSchema,
  /** Index of the resource among those the trigger rendered (part of its identity). */
  index: z.number().int().nonnegative(),
  /** Namespace to create in when the object names none (the listener's). */
  namespace: z.string().min(1),
  resource: kubeObject,
  concurrency: concurrencySchema.optional(),
});

/** A run's identity within its delivery: what its object's name and its job id derive from. */
const runIdentity = (run: z.infer<typeof runSchema>) =>
  `${run.correlation.eventId}\u0000${run.correlation.trigger}\u0000${run.index}`;

/**
 * run-scheduler: one delivery's Kubernetes objects, each created exactly once (by its deterministic
 * name). One job per delivery rather than per object: BullMQ's per-job scripts cost Redis about
 * 250 µs a job, which for Tekton's 10-run push was most of Redis's CPU (bench/RESULTS.md).
 */
export const runsQueue = defineQueue({
  name: 'signalbox-runs',
  jobName: 'create',
  schema: z.union([
    z.object({ runs: z.array(runSchema).min(1) }),
    // A one-object job, as listeners before batches enqueued them, still waiting at an upgrade.
    runSchema.transform((run) => ({ runs: [run] })),
  ]),
  // The scheduler's worker computes the delay: exponential with jitter, never sooner than the
  // API's Retry-After (BullMQ calls the worker's backoffStrategy for a non-builtin type).
  defaultJobOptions: { ...defaultJobOptions, attempts: 10, backoff: { type: 'kube-retry', delay: 1_000 } },
  // The set of runs, not just the event: a delivery whose triggers fire differently on a later
  // evaluation is another job, whose runs already created are found by name (409) and kept.
  jobId: (d) => jobId('runs', ...d.runs.map(runIdentity)),
});

/** manifest-updater: an image (pushed, or scanned) that may go into the GitOps repo. */
export const imageUpdatesQueue = defineQueue({
  name: 'signalbox-image-updates',
  jobName: 'update',
  schema: z.object({
    correlation: correlationSchema,
    index: z.number().int().nonnegative(),
    image: z.string().min(1),
    tag: z.string().min(1),
    digest: z.string().optional(),
    event: z.string().min(1),
    severity: z.string().optional(),
  }),
  defaultJobOptions,
  jobId: (d) => jobId('image-update', d.correlation.eventId, d.correlation.trigger, d.index),
});

/** notifier: something a team should hear about. `key` makes re-emits of one fact a no-op. */
export const notificationsQueue = defineQueue({
  name: 'signalbox-notifications',
  jobName: 'notify',
  schema: z.object({
    kind: z.enum(notificationKinds),
    /** What makes this notification unique (e.g. run name + transition); hashed into the job id. */
    key: z.string().min(1),
    correlation: correlationSchema.partial().extend({ eventId: z.string().optional() }),
    data: z.record(z.string(), z.unknown()).default({}),
    occurredAt: z.string().min(1),
  }),
  defaultJobOptions,
  jobId: (d) => jobId('notify', d.kind, d.key),
});

/** One object to create (an element of a runs job). */
export type RunJob = z.infer<typeof runSchema>;
/** A runs job: one delivery's objects. */
export type RunsJob = z.infer<typeof runsQueue.schema>;
export type ImageUpdateJob = z.infer<typeof imageUpdatesQueue.schema>;
export type NotificationJob = z.infer<typeof notificationsQueue.schema>;
export type Concurrency = z.infer<typeof concurrencySchema>;
