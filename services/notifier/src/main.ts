import { notificationsQueue } from '@signalbox/contracts';
import { type RunningService, type ServiceStartOptions, startUnbuiltService } from '@signalbox/runtime';

/** The notifier (Slack notifications) is not built yet: see `startUnbuiltService`. */
export function start(options: ServiceStartOptions): Promise<RunningService> {
  return startUnbuiltService('notifier', notificationsQueue, options);
}
