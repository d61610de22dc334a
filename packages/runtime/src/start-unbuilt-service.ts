import type { QueueContract } from '@signalbox/contracts';
import { createProducer } from './create-producer.ts';
import { createRedis } from './create-redis.ts';
import { readConfig } from './read-config.ts';
import { registerQueueDepthGauge } from './register-queue-depth-gauge.ts';
import type { RunningService, ServiceStartOptions } from './running-service.ts';

/**
 * Starts a service that is not built yet: it says so plainly and consumes nothing, so the jobs on
 * its queue wait durably in Redis until it exists. It still connects, so its backlog shows on
 * /metrics (`signalbox_queue_jobs{queue=…}`) and /readyz reflects Redis.
 */
export async function startUnbuiltService(
  name: string,
  contract: QueueContract,
  { env, logger, registry }: ServiceStartOptions,
): Promise<RunningService> {
  const config = readConfig(env);
  const redis = createRedis(config.redisUrl, { name, logger });
  // Used only to read the queue's depth: nothing is added.
  const { queue } = createProducer(contract, { connection: redis, prefix: config.queuePrefix });
  registerQueueDepthGauge(registry, [queue]);
  logger.warn(
    { queue: contract.name },
    `${name}: not built yet; nothing consumes its queue, whose jobs wait durably in Redis`,
  );
  return {
    name,
    ready: () => redis.status === 'ready',
    async stop() {
      await queue.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
