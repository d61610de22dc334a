import type { NotificationJob } from '@signalbox/contracts';
import type { LoadedConfig } from '@signalbox/triggers';

export type SlackRouteModel = LoadedConfig['slackRoutes'][number];

/** The routes a notification goes to: its kind is listed, and the route's `when` (if any) holds. */
export function matchRoutes(routes: readonly SlackRouteModel[], n: NotificationJob): SlackRouteModel[] {
  return routes.filter(
    (r) =>
      r.spec.kinds.includes(n.kind) &&
      (!r.when ||
        r.when.matches({
          kind: n.kind,
          key: n.key,
          correlation: n.correlation,
          data: n.data,
          occurredAt: n.occurredAt,
        })),
  );
}
