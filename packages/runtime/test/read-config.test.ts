import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config-error.ts';
import { createEnvReader } from '../src/create-env-reader.ts';
import { readConfig } from '../src/read-config.ts';

describe('readConfig', () => {
  it('gives the documented local defaults and a frozen object', () => {
    const config = readConfig({});
    expect(config).toMatchObject({
      redisUrl: 'redis://127.0.0.1:6379',
      configDir: './config',
      secretsDir: './secrets',
      port: 8080,
      runBackend: undefined,
      outDir: './out',
      logLevel: 'info',
      bodyLimitBytes: 25 * 1024 * 1024,
      dedupWindowSeconds: 3600,
      ledgerTtlSeconds: 72 * 3600,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads every variable', () => {
    const config = readConfig({
      REDIS_URL: 'rediss://u:p@redis.example:6380/2',
      SIGNALBOX_CONFIG: '/etc/sb/config',
      SIGNALBOX_SECRETS_DIR: '/etc/sb/secrets',
      PORT: '9000',
      SIGNALBOX_RUN_BACKEND: 'kubernetes',
      SIGNALBOX_OUT_DIR: '/tmp/out',
      KUBECONFIG: '/k/config',
      LOG_LEVEL: 'debug',
      SIGNALBOX_BODY_LIMIT: '1048576',
    });
    expect(config).toMatchObject({
      redisUrl: 'rediss://u:p@redis.example:6380/2',
      port: 9000,
      runBackend: 'kubernetes',
      kubeconfig: '/k/config',
      logLevel: 'debug',
      bodyLimitBytes: 1048576,
    });
  });

  it.each([
    ['PORT', 'eighty', /PORT="eighty" is not valid: expected an integer from 0 to 65535/],
    ['PORT', '70000', /PORT="70000" .* from 0 to 65535/],
    ['PORT', '-1', /PORT="-1"/],
    ['METRICS_PORT', '1.5', /METRICS_PORT="1.5"/],
    [
      'REDIS_URL',
      'localhost:6379',
      /REDIS_URL="localhost:6379" is not valid: expected a redis:\/\/ or rediss:\/\/ URL/,
    ],
    ['REDIS_URL', 'not a url', /REDIS_URL="not a url" is not valid: expected a URL/],
    [
      'SIGNALBOX_RUN_BACKEND',
      'k8s',
      /SIGNALBOX_RUN_BACKEND="k8s" is not valid: expected one of kubernetes, dry-run/,
    ],
    ['LOG_LEVEL', 'verbose', /LOG_LEVEL="verbose" .* one of fatal, error, warn, info, debug, trace, silent/],
    ['SIGNALBOX_BODY_LIMIT', '10', /SIGNALBOX_BODY_LIMIT="10" .* from 1024/],
    ['SIGNALBOX_DEDUP_WINDOW', '0', /SIGNALBOX_DEDUP_WINDOW="0"/],
    ['SIGNALBOX_LEDGER_TTL', 'forever', /SIGNALBOX_LEDGER_TTL="forever"/],
    ['SIGNALBOX_SHUTDOWN_TIMEOUT_MS', '1e9', /SIGNALBOX_SHUTDOWN_TIMEOUT_MS="1e9"/],
    ['SIGNALBOX_QUEUE_PREFIX', 'a:b', /SIGNALBOX_QUEUE_PREFIX="a:b" .*\(no ":"\)/],
  ])('rejects %s=%s naming variable, value and allowed values', (name, value, message) => {
    let error: unknown;
    try {
      readConfig({ [name]: value });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(name);
    expect((error as Error).message).toMatch(message);
  });

  it('names every bad variable at once, in one error', () => {
    let error: unknown;
    try {
      readConfig({ PORT: 'http', LOG_LEVEL: 'loud', REDIS_URL: 'http://redis:6379', METRICS_PORT: '9091' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems.map((p) => [p.variable, p.value])).toEqual([
      ['REDIS_URL', 'http://redis:6379'],
      ['PORT', 'http'],
      ['LOG_LEVEL', 'loud'],
    ]);
    expect((error as Error).message).toBe(
      [
        '3 invalid settings:',
        '  REDIS_URL="http://redis:6379" is not valid: expected a redis:// or rediss:// URL',
        '  PORT="http" is not valid: expected an integer from 0 to 65535',
        '  LOG_LEVEL="loud" is not valid: expected one of fatal, error, warn, info, debug, trace, silent',
      ].join('\n'),
    );
  });

  it('ADMIN_PORT is the admin port (METRICS_PORT its deprecated alias); ADMIN_HOST defaults to HOST', () => {
    expect(readConfig({})).toMatchObject({
      port: 8080,
      adminPort: 9090,
      host: '0.0.0.0',
      adminHost: '0.0.0.0',
    });
    expect(readConfig({ METRICS_PORT: '9100' }).adminPort).toBe(9100);
    expect(readConfig({ METRICS_PORT: '9100', ADMIN_PORT: '9200' }).adminPort).toBe(9200);
    expect(readConfig({ HOST: '127.0.0.1' })).toMatchObject({ host: '127.0.0.1', adminHost: '127.0.0.1' });
    expect(readConfig({ HOST: '0.0.0.0', ADMIN_HOST: '127.0.0.1' }).adminHost).toBe('127.0.0.1');
    expect(() => readConfig({ ADMIN_PORT: 'admin' })).toThrow(/ADMIN_PORT="admin" is not valid/);
  });

  it('treats an empty variable as unset (the default applies)', () => {
    expect(readConfig({ PORT: '', LOG_LEVEL: '', KUBECONFIG: '' })).toMatchObject({
      port: 8080,
      logLevel: 'info',
      kubeconfig: undefined,
    });
  });
});

describe('createEnvReader (for service-specific settings)', () => {
  it('reads lists and reports a bad value with the fallback in its place until done()', () => {
    const read = createEnvReader({ NAMESPACES: ' ci, ,team-a ', WORKERS: 'many' });
    expect(read.list('NAMESPACES')).toEqual(['ci', 'team-a']);
    expect(read.list('UNSET')).toBeUndefined();
    expect(read.integer('WORKERS', 4, { min: 1, max: 64 })).toBe(4);
    expect(() => read.done()).toThrow('WORKERS="many" is not valid: expected an integer from 1 to 64');
  });
});
