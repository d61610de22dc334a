import { notificationsQueue } from '@signalbox/contracts';
import {
  createProducer,
  createRedis,
  type RunningService,
  readConfig,
  registerQueueDepthGauge,
  type ServiceStartOptions,
} from '@signalbox/runtime';

/**
 * The notifier (Slack notifications) is not built yet. Starting it says so plainly and consumes nothing:
 * the jobs on its queue wait durably in Redis until it exists. It still connects, so its
 * backlog shows on /metrics (`signalbox_queue_jobs{queue="signalbox-notifications"}`) and /readyz
 * reflects Redis.
 */
export async function start({ env, logger, registry }: ServiceStartOptions): Promise<RunningService> {
  const config = readConfig(env);
  const redis = createRedis(config.redisUrl, { name: 'notifier', logger });
  // Used only to read the queue's depth: nothing is added.
  const { queue } = createProducer(notificationsQueue, { connection: redis, prefix: config.queuePrefix });
  registerQueueDepthGauge(registry, [queue]);
  logger.warn(
    { queue: notificationsQueue.name },
    'notifier: not built yet; nothing consumes its queue, whose jobs wait durably in Redis',
  );
  return {
    name: 'notifier',
    ready: () => redis.status === 'ready',
    async stop() {
      await queue.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
