import type { FieldSelector } from './field-selector.ts';
import type { LabelSelector } from './label-selector.ts';
import type { ResourceType } from './resource-type.ts';

/** An object as stored: plain JSON, never mutated once stored (updates store a new object). */
export type KubeObject = Record<string, unknown> & {
  readonly metadata: Record<string, unknown> & {
    readonly name: string;
    readonly namespace?: string;
    readonly resourceVersion: string;
    readonly uid: string;
    readonly labels?: Readonly<Record<string, string>>;
  };
};

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

interface StoredEvent {
  readonly rv: number;
  readonly type: EventType;
  readonly typeKey: string;
  readonly namespace: string;
  readonly object: KubeObject;
  readonly previous: KubeObject | undefined;
}

/** A watch as the store sees it: what it selects and how to deliver to it. */
export interface StoreWatcher {
  readonly typeKey: string;
  readonly namespace: string | undefined;
  readonly labels: LabelSelector;
  readonly fields: FieldSelector;
  deliver(type: EventType, object: KubeObject): void;
  /** The history it needs is gone (everything at or before `startRv`): send the 410 ERROR event and end. */
  expire(startRv: number): void;
}

const keyOf = (t: Pick<ResourceType, 'group' | 'plural'>) => `${t.group}/${t.plural}`;
const nsName = (namespace: string | undefined, name: string) => `${namespace ?? ''}/${name}`;

/**
 * The fake's etcd plus watch cache: objects by resource, a global resourceVersion counter, a bounded
 * history of events for watches that resume from a resourceVersion, and the open watches, each
 * told about a change in the shape a real watch with its selectors would see (an object that stops
 * matching a label selector arrives as DELETED, one that starts matching as ADDED).
 */
export class ObjectStore {
  readonly #objects = new Map<string, Map<string, KubeObject>>();
  readonly #history: StoredEvent[] = [];
  readonly #historyLimit: number;
  readonly #watchers = new Set<StoreWatcher>();
  #rv = 0;
  #historyStartRv = 0;

  constructor(historyLimit: number) {
    this.#historyLimit = historyLimit;
  }

  /** The current (latest) resourceVersion. */
  get resourceVersion(): number {
    return this.#rv;
  }

  /** Events after this resourceVersion are all still known; a watch from older gets 410. */
  get historyStartRv(): number {
    return this.#historyStartRv;
  }

  nextResourceVersion(): number {
    return ++this.#rv;
  }

  get(t: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.#objects.get(keyOf(t))?.get(nsName(namespace, name));
  }

  /** Objects of a resource (in one namespace, or all), in etcd key order: namespace, then name. */
  list(t: ResourceType, namespace?: string): KubeObject[] {
    const all = this.#objects.get(keyOf(t));
    if (!all) return [];
    const prefix = namespace === undefined ? undefined : `${namespace}/`;
    return [...all.entries()]
      .filter(([k]) => prefix === undefined || k.startsWith(prefix))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, o]) => o);
  }

  /** Every stored object with its resource key (`group/plural`). */
  *entries(): Generator<[string, KubeObject]> {
    for (const [typeKey, objects] of this.#objects) for (const o of objects.values()) yield [typeKey, o];
  }

  /**
   * Writes (ADDED/MODIFIED) or removes (DELETED) an object whose `metadata.resourceVersion` the
   * caller took from `nextResourceVersion()`, records the event and tells the watches.
   */
  commit(type: EventType, t: ResourceType, object: KubeObject, previous?: KubeObject): void {
    const typeKey = keyOf(t);
    let objects = this.#objects.get(typeKey);
    if (!objects) this.#objects.set(typeKey, (objects = new Map()));
    const key = nsName(object.metadata.namespace, object.metadata.name);
    if (type === 'DELETED') objects.delete(key);
    else objects.set(key, object);
    const event: StoredEvent = {
      rv: Number(object.metadata.resourceVersion),
      type,
      typeKey,
      namespace: object.metadata.namespace ?? '',
      object,
      previous,
    };
    this.#history.push(event);
    if (this.#history.length > this.#historyLimit * 1.25) {
      const dropped = this.#history.splice(0, this.#history.length - this.#historyLimit);
      this.#historyStartRv = (dropped.at(-1) as StoredEvent).rv;
    }
    for (const w of this.#watchers) ObjectStore.#offer(w, event);
  }

  /** Replays the events after `rv` to a watcher; false when they are no longer all known. */
  replay(watcher: StoreWatcher, rv: number): boolean {
    if (rv < this.#historyStartRv) return false;
    for (const e of this.#history) if (e.rv > rv) ObjectStore.#offer(watcher, e);
    return true;
  }

  addWatcher(watcher: StoreWatcher): void {
    this.#watchers.add(watcher);
  }

  removeWatcher(watcher: StoreWatcher): void {
    this.#watchers.delete(watcher);
  }

  get watchers(): ReadonlySet<StoreWatcher> {
    return this.#watchers;
  }

  /** Forgets all history (as a compaction would): open watches and resumes from before now get 410. */
  compact(): void {
    this.#history.length = 0;
    this.#historyStartRv = this.#rv;
    for (const w of [...this.#watchers]) w.expire(this.#historyStartRv);
  }

  static matches(w: StoreWatcher, object: KubeObject): boolean {
    return w.labels.matches(object.metadata.labels) && w.fields.matches(object);
  }

  static #offer(w: StoreWatcher, e: StoredEvent): void {
    if (w.typeKey !== e.typeKey || (w.namespace !== undefined && w.namespace !== e.namespace)) return;
    const now = ObjectStore.matches(w, e.object);
    if (e.type !== 'MODIFIED') {
      if (now) w.deliver(e.type, e.object);
      return;
    }
    const before = e.previous !== undefined && ObjectStore.matches(w, e.previous);
    if (now) w.deliver(before ? 'MODIFIED' : 'ADDED', e.object);
    else if (before) w.deliver('DELETED', e.object);
  }
}
