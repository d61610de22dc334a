/** Every label and annotation key in Signalbox's own `signalbox.dev/` namespace starts so. */
export const signalboxKeyPrefix = 'signalbox.dev/';

/** The TriggerTemplate annotations that configure a concurrency group all start so. */
export const concurrencyKeyPrefix = `${signalboxKeyPrefix}concurrency-`;

/**
 * The `signalbox.dev/*` label and annotation keys, declared once: the trigger engine reads some
 * from the config, the run-scheduler writes and reads the others on the objects it creates.
 */
export const metadataKeys = {
  /** Label on every object Signalbox created (value `signalbox`): what the status watcher follows. */
  managedBy: `${signalboxKeyPrefix}managed-by`,
  /** Annotation: the correlation block as JSON, so status notifications can name the change. */
  correlation: `${signalboxKeyPrefix}correlation`,
  /** Template annotation (the group's name) and, hashed, the created run's label. */
  concurrencyGroup: `${concurrencyKeyPrefix}group`,
  /** Template annotation, copied to the run: runs of the group at once. */
  concurrencyLimit: `${concurrencyKeyPrefix}limit`,
  /** Template annotation: `queue` or `cancel-in-progress`. */
  concurrencyPolicy: `${concurrencyKeyPrefix}policy`,
  /** Template annotation: how a superseded run is stopped. */
  concurrencyCancel: `${concurrencyKeyPrefix}cancel`,
  /** Run annotation: when the event's job was enqueued (ms since the epoch), the group's order. */
  enqueuedAt: `${signalboxKeyPrefix}enqueued-at`,
  /** Run annotation: the labels whose values had to be changed to be valid, as given (JSON). */
  originalLabels: `${signalboxKeyPrefix}original-labels`,
  /** Run annotation: the annotations whose keys were invalid, as given (JSON). */
  invalidAnnotations: `${signalboxKeyPrefix}invalid-annotations`,
  /** EventListener annotation: `"true"` lets the listener run without a verified sender. */
  allowUnauthenticated: `${signalboxKeyPrefix}allow-unauthenticated`,
} as const;
