export { freePort } from './free-port.ts';
export {
  type CreateRepoOptions,
  type FakeCommitStatus,
  type FakeGitHubApp,
  type FakeHookDelivery,
  type FakePullRequest,
  type FakeRepo,
  type FakeRequest,
  type FaultedRequest,
  type GitHubFake,
  type GitHubFakeOptions,
  type GitHubFault,
  type GitHubFaultHandle,
  type GitIdentity,
  startGitHubFake,
} from './github/start-github-fake.ts';
export {
  type FakeResource,
  type FaultHandle,
  type FaultRule,
  type KubeFake,
  type KubeFakeOptions,
  type ObjectFilter,
  type RequestLogEntry,
  type StoredObject,
  startKubeFake,
} from './kube/start-kube-fake.ts';
export { askRedis } from './redis-ask.ts';
export { type RedisCluster, startRedisCluster } from './redis-cluster.ts';
export { redisForTest } from './redis-for-test.ts';
export { type RedisProcess, startRedisProcess } from './redis-process.ts';
export { type RedisSentinelSetup, startRedisSentinel } from './redis-sentinel.ts';
export { type RedisServer, startRedisServer } from './redis-server.ts';
export { checkBlocks } from './slack/check-blocks.ts';
export type { RateLimit, RateLimitedCall } from './slack/slack-rate-limiter.ts';
export type { FakeChannel, FakeSlackMessage } from './slack/slack-workspace.ts';
export {
  type SlackCall,
  type SlackFake,
  type SlackFakeOptions,
  type SlackFault,
  type SlackFaultHandle,
  startSlackFake,
} from './slack/start-slack-fake.ts';
