import { imageUpdatesQueue } from '@signalbox/contracts';
import { type RunningService, type ServiceStartOptions, startUnbuiltService } from '@signalbox/runtime';

/** The manifest-updater (GitOps manifest pull requests) is not built yet: see `startUnbuiltService`. */
export function start(options: ServiceStartOptions): Promise<RunningService> {
  return startUnbuiltService('manifest-updater', imageUpdatesQueue, options);
}
