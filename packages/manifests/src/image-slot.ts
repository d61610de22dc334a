import type { Scalar } from 'yaml';

/** One scalar that must hold `value` afterwards. Several aliases of one anchor share the node. */
export interface ImageSlot {
  readonly node: Scalar;
  /** Where it was found, `spec.template.spec.containers[0].image` style. */
  readonly field: string;
  readonly value: string;
}

/** What the matching rules collect for one document: the slots, and why an entry could not be edited. */
export interface SlotSink {
  readonly slots: ImageSlot[];
  readonly problems: string[];
}
