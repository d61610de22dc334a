import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { notificationsQueue, runsQueue } from '@signalbox/contracts';
import {
  createProducer,
  createRedis,
  type RunningService,
  readConfig,
  registerQueueDepthGauge,
  type ServiceStartOptions,
} from '@signalbox/runtime';
import { Queue } from 'bullmq';
import { buildRunScheduler } from './build-run-scheduler.ts';
import { ConcurrencyGroups } from './concurrency-groups.ts';
import { dryRunBackend } from './dry-run-backend.ts';
import { kubeBackend } from './kube-backend.ts';
import { RunStatusWatcher } from './run-status-watcher.ts';

const inClusterToken = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/** `kubernetes` when a kubeconfig or in-cluster account exists (or is asked for), else `dry-run`. */
function chooseBackend(
  setting: 'kubernetes' | 'dry-run' | undefined,
  kubeconfig: string | undefined,
): 'kubernetes' | 'dry-run' {
  if (setting) return setting;
  return kubeconfig || existsSync(join(homedir(), '.kube', 'config')) || existsSync(inClusterToken)
    ? 'kubernetes'
    : 'dry-run';
}

/**
 * Starts the run-scheduler: the runs-queue worker, and on a cluster the PipelineRun status
 * watcher (namespaces from SIGNALBOX_WATCH_NAMESPACES, comma-separated; default: the
 * kubeconfig context's namespace).
 */
export async function start({ env, logger, registry }: ServiceStartOptions): Promise<RunningService> {
  const config = readConfig(env);
  const backendKind = chooseBackend(config.runBackend, config.kubeconfig);
  const connection = createRedis(config.redisUrl, { name: 'run-scheduler', logger, forWorker: true });
  const producerConnection = createRedis(config.redisUrl, {
    name: 'run-scheduler-producer',
    logger,
    forWorker: true,
  });
  const notifications = createProducer(notificationsQueue, {
    connection: producerConnection,
    prefix: config.queuePrefix,
  });
  const runsView = new Queue(runsQueue.name, { connection: producerConnection, prefix: config.queuePrefix });
  registerQueueDepthGauge(registry, [runsView]);
  let kc: KubeConfig | undefined;
  if (backendKind === 'kubernetes') {
    kc = new KubeConfig();
    kc.loadFromDefault();
  }
  const backend = kc ? kubeBackend(kc) : dryRunBackend(config.outDir);
  const groups = new ConcurrencyGroups({
    redis: producerConnection,
    backend,
    prefix: config.queuePrefix,
    logger,
  });
  const worker = buildRunScheduler({
    connection,
    prefix: config.queuePrefix,
    backend,
    groups,
    notifications,
    logger,
  });
  const namespaces = (
    env.SIGNALBOX_WATCH_NAMESPACES ??
    kc?.getContextObject(kc.getCurrentContext())?.namespace ??
    'default'
  )
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  const watcher = kc
    ? new RunStatusWatcher({
        kc,
        redis: producerConnection,
        prefix: config.queuePrefix,
        notifications,
        groups,
        logger,
        namespaces,
      })
    : undefined;
  watcher?.start();
  logger.info(
    {
      backend: backendKind,
      ...(backendKind === 'dry-run' ? { outDir: config.outDir } : { watchNamespaces: namespaces }),
    },
    'run-scheduler started',
  );
  return {
    name: 'run-scheduler',
    ready: () => connection.status === 'ready',
    async stop() {
      await worker.close(); // waits for in-flight creates
      await watcher?.stop();
      await notifications.close();
      await runsView.close();
      await Promise.all([connection.quit(), producerConnection.quit()].map((p) => p.catch(() => {})));
    },
  };
}
