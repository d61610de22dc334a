import type { RunningService, ServiceStartOptions } from '@signalbox/runtime';

/**
 * The notifier is not built yet (it follows the run-scheduler). Starting it says so plainly; jobs on
 * its queue are not consumed and wait durably in Redis until it exists.
 */
export async function start(options: ServiceStartOptions): Promise<RunningService> {
  options.logger.warn('notifier: not built yet; its queue is not consumed (jobs wait in Redis)');
  return { name: 'notifier', ready: () => true, stop: async () => {} };
}
