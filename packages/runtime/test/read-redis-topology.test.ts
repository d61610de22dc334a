import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config-error.ts';
import { readConfig } from '../src/read-config.ts';

describe('the Redis topology', () => {
  it('is REDIS_URL alone by default, without waiting for replicas', () => {
    expect(readConfig({}).redis).toEqual({
      kind: 'standalone',
      url: 'redis://127.0.0.1:6379',
      passwordFile: undefined,
      username: undefined,
      tls: false,
      caFile: undefined,
      waitReplicas: 0,
      waitTimeoutMs: 1_000,
    });
    expect(readConfig({ REDIS_URL: 'rediss://r.example:6380' }).redis).toMatchObject({ tls: true });
  });

  it('is Sentinel when REDIS_SENTINELS is set, even beside REDIS_URL, and waits for one replica', () => {
    const { redis } = readConfig({
      REDIS_URL: 'redis://ignored:6379',
      REDIS_SENTINELS: 'sentinel-0:26379, [::1]:26380',
      REDIS_SENTINEL_NAME: 'signalbox',
      REDIS_PASSWORD_FILE: '/secrets/redis/password',
      REDIS_TLS: 'true',
      REDIS_TLS_CA_FILE: '/secrets/redis/ca.crt',
    });
    expect(redis).toMatchObject({
      kind: 'sentinel',
      name: 'signalbox',
      sentinels: [
        { host: 'sentinel-0', port: 26379 },
        { host: '::1', port: 26380 },
      ],
      passwordFile: '/secrets/redis/password',
      tls: true,
      caFile: '/secrets/redis/ca.crt',
      waitReplicas: 1,
    });
  });

  it('is Cluster when REDIS_CLUSTER_NODES is set', () => {
    const { redis } = readConfig({ REDIS_CLUSTER_NODES: 'a:7000,b:7001', REDIS_WAIT_REPLICAS: '0' });
    expect(redis).toMatchObject({
      kind: 'cluster',
      nodes: [
        { host: 'a', port: 7000 },
        { host: 'b', port: 7001 },
      ],
      waitReplicas: 0,
    });
  });

  it.each([
    [
      { REDIS_SENTINELS: 'a:26379' },
      /REDIS_SENTINEL_NAME="" is not valid: expected the monitored primary's name/,
    ],
    [
      { REDIS_CLUSTER_NODES: 'a' },
      /REDIS_CLUSTER_NODES="a" is not valid: expected a comma-separated list of host:port/,
    ],
    [{ REDIS_CLUSTER_NODES: 'a:0' }, /REDIS_CLUSTER_NODES="a:0"/],
    [
      { REDIS_SENTINELS: 'a:26379', REDIS_SENTINEL_NAME: 'm', REDIS_CLUSTER_NODES: 'b:7000' },
      /REDIS_CLUSTER_NODES="b:7000" is not valid: expected unset when REDIS_SENTINELS is set/,
    ],
    [{ REDIS_TLS: 'yes' }, /REDIS_TLS="yes" is not valid: expected one of true, false/],
  ])('refuses %j', (env, message) => {
    expect(() => readConfig(env)).toThrow(ConfigError);
    expect(() => readConfig(env)).toThrow(message);
  });
});
