import type { ServerResponse } from 'node:http';
import type { FieldSelector } from './field-selector.ts';
import { KubeApiError } from './kube-api-error.ts';
import type { LabelSelector } from './label-selector.ts';
import { type EventType, type KubeObject, ObjectStore, type StoreWatcher } from './object-store.ts';
import type { ResourceType } from './resource-type.ts';

/** What a watch request asked for. */
export interface WatchRequest {
  readonly type: ResourceType;
  readonly typeKey: string;
  readonly namespace: string | undefined;
  readonly labels: LabelSelector;
  readonly fields: FieldSelector;
  readonly query: URLSearchParams;
}

/** Handle on an open watch, for the fake's `closeWatches()` / `sendBookmarks()`. */
export interface OpenWatch {
  bookmark(): void;
  end(): void;
  readonly allowBookmarks: boolean;
}

const apiVersionOf = (t: ResourceType) => (t.group ? `${t.group}/${t.version}` : t.version);

/** Stored objects are immutable, so each event line is serialized once however many watches get it. */
const lines = new WeakMap<KubeObject, Partial<Record<EventType, string>>>();
function eventLine(type: EventType, object: KubeObject): string {
  let cached = lines.get(object);
  if (!cached) lines.set(object, (cached = {}));
  return (cached[type] ??= `${JSON.stringify({ type, object })}\n`);
}

/**
 * Serves `?watch=true` the way the apiserver's watch cache does: a chunked stream of
 * newline-delimited `{"type","object"}` events. Without a resourceVersion (or with "0") it starts
 * with a synthetic ADDED per existing object; from resourceVersion N it replays the newer events it
 * still has, or sends one ERROR event carrying a 410 `Expired` Status and ends. `allowWatchBookmarks`
 * gets a BOOKMARK every `bookmarkIntervalMs` and just before `timeoutSeconds` ends the stream;
 * `sendInitialEvents=true` ends the initial ADDED events with the `k8s.io/initial-events-end`
 * bookmark. Returns the HTTP status it answered with.
 */
export function serveWatch(
  store: ObjectStore,
  request: WatchRequest,
  res: ServerResponse,
  options: { readonly bookmarkIntervalMs: number; readonly onOpen: (w: OpenWatch) => () => void },
): number {
  const { type, query } = request;
  const rvParam = query.get('resourceVersion') ?? '';
  const allowBookmarks = query.get('allowWatchBookmarks') === 'true';
  const sendInitialEvents = query.get('sendInitialEvents') === 'true';
  const timeoutSeconds = Number(query.get('timeoutSeconds') ?? '0');
  if (sendInitialEvents && (query.get('resourceVersionMatch') !== 'NotOlderThan' || !allowBookmarks)) {
    throw KubeApiError.badRequest(
      'sendInitialEvents requires setting resourceVersionMatch to NotOlderThan and allowWatchBookmarks to true',
    );
  }
  const from = rvParam === '' || rvParam === '0' ? undefined : Number(rvParam);
  if (from !== undefined && !Number.isSafeInteger(from)) {
    throw KubeApiError.badRequest(`invalid resource version: ${JSON.stringify(rvParam)}`);
  }
  if (from !== undefined && from > store.resourceVersion) {
    throw KubeApiError.tooLargeResourceVersion(from, store.resourceVersion);
  }

  res.writeHead(200, {
    'content-type': 'application/json',
    'cache-control': 'no-cache, private',
    'transfer-encoding': 'chunked',
  });
  res.flushHeaders();
  let lastRv = from ?? store.resourceVersion;
  const write = (type: string, object: unknown) => {
    if (!res.writableEnded) res.write(`${JSON.stringify({ type, object })}\n`);
  };
  const bookmarkObject = (annotations?: Record<string, string>) => ({
    kind: type.kind,
    apiVersion: apiVersionOf(type),
    metadata: {
      resourceVersion: String(store.resourceVersion),
      ...(type.custom ? {} : { creationTimestamp: null }),
      ...(annotations ? { annotations } : {}),
    },
  });

  let deadlineTimer: NodeJS.Timeout | undefined;
  let bookmarkTimer: NodeJS.Timeout | undefined;
  let unregister = () => {};
  const end = () => {
    clearTimeout(deadlineTimer);
    clearTimeout(bookmarkTimer);
    store.removeWatcher(watcher);
    unregister();
    if (!res.writableEnded) res.end();
  };
  const watcher: StoreWatcher = {
    typeKey: request.typeKey,
    namespace: request.namespace,
    labels: request.labels,
    fields: request.fields,
    deliver(eventType: EventType, object: KubeObject) {
      lastRv = Number(object.metadata.resourceVersion);
      if (!res.writableEnded) res.write(eventLine(eventType, object));
    },
    expire(startRv: number) {
      write('ERROR', KubeApiError.expired(`too old resource version: ${lastRv} (${startRv})`).status);
      end();
    },
  };

  if (from !== undefined && !store.replay(watcher, from)) {
    write(
      'ERROR',
      KubeApiError.expired(`too old resource version: ${from} (${store.historyStartRv})`).status,
    );
    end();
    return 200;
  }
  if (from === undefined) {
    for (const o of store.list(type, request.namespace)) {
      if (ObjectStore.matches(watcher, o)) write('ADDED', o);
    }
    if (sendInitialEvents) write('BOOKMARK', bookmarkObject({ 'k8s.io/initial-events-end': 'true' }));
  }
  store.addWatcher(watcher);
  unregister = options.onOpen({
    allowBookmarks,
    bookmark: () => write('BOOKMARK', bookmarkObject()),
    end,
  });
  res.on('close', end);

  const deadline = timeoutSeconds > 0 ? Date.now() + timeoutSeconds * 1000 : undefined;
  if (deadline !== undefined) deadlineTimer = setTimeout(end, deadline - Date.now());
  if (allowBookmarks) {
    // The watch cache's schedule: every bookmark interval, and 2 s before the deadline.
    const schedule = () => {
      const now = Date.now();
      let at = now + options.bookmarkIntervalMs;
      // The one before the deadline is the last: a timer may fire a millisecond early, and must
      // not then find the same deadline still ahead and send it twice.
      const last = deadline !== undefined && deadline - 2000 < at;
      if (last) at = deadline - 2000;
      if (at <= now) return;
      bookmarkTimer = setTimeout(() => {
        write('BOOKMARK', bookmarkObject());
        if (!last) schedule();
      }, at - now);
    };
    schedule();
  }
  return 200;
}
