export { type Correlation, correlationSchema } from './correlation.ts';
export { defineQueue, type PayloadOf, type QueueContract } from './define-queue.ts';
export { deterministicName } from './deterministic-name.ts';
export { type EventTrailEntry, eventTrailEntrySchema, eventTrailKey, ledgerPrefix } from './event-trail.ts';
export { jobId } from './job-id.ts';
export { defaultJobOptions } from './job-options.ts';
export { concurrencyKeyPrefix, metadataKeys, signalboxKeyPrefix } from './metadata-keys.ts';
export { type NotificationKind, notificationKinds } from './notification-kinds.ts';
export {
  type Concurrency,
  cancelModes,
  concurrencySchema,
  type ImageUpdateJob,
  imageUpdatesQueue,
  type NotificationJob,
  notificationsQueue,
  type RunJob,
  type RunsJob,
  runSchema,
  runsQueue,
} from './queues.ts';
export { resourceKey } from './resource-key.ts';
export { type RunFailure, runFailureIn, runFailureLine } from './run-failures.ts';
