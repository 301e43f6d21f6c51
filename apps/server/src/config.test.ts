import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError, defaultConfig, loadConfig, workerCount } from './config.js';

describe('loadConfig', () => {
  it('applies defaults', () => {
    expect(loadConfig({})).toEqual(defaultConfig);
    expect(defaultConfig).toMatchObject({
      PORT: 3000,
      HOST: '127.0.0.1',
      MAX_FRAME_BYTES: 65536,
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'auto',
    });
  });

  it('converts numbers from strings and ignores unrelated variables', () => {
    const config = loadConfig({ PORT: '8080', MAX_ROOMS_PER_CONNECTION: '4', PATH: '/usr/bin', LOG_LEVEL: 'debug' });
    expect(config).toMatchObject({ PORT: 8080, MAX_ROOMS_PER_CONNECTION: 4, LOG_LEVEL: 'debug' });
  });

  it('takes LOG_FORMAT pretty or json and names the choices for anything else', () => {
    expect(loadConfig({ LOG_FORMAT: 'pretty' }).LOG_FORMAT).toBe('pretty');
    expect(loadConfig({ LOG_FORMAT: 'json' }).LOG_FORMAT).toBe('json');
    expect(() => loadConfig({ LOG_FORMAT: 'yaml' })).toThrow('LOG_FORMAT="yaml": expected one of auto, pretty, json');
  });

  it('takes WORKERS as a count from 1 or auto (one per core), and nothing else', () => {
    expect(workerCount(defaultConfig.WORKERS)).toBe(1);
    expect(workerCount(loadConfig({ WORKERS: '3' }).WORKERS)).toBe(3);
    expect(workerCount(loadConfig({ WORKERS: 'auto' }).WORKERS)).toBe(availableParallelism());
    for (const bad of ['0', '-1', '2.5', 'all', '1000'])
      expect(() => loadConfig({ WORKERS: bad })).toThrow(`WORKERS="${bad}": Expected string to match`);
  });

  it('lists every invalid variable with its value', () => {
    expect(() => loadConfig({ PORT: 'eighty', LOG_LEVEL: 'loud', MAX_FRAME_BYTES: '10' })).toThrow(ConfigError);
    try {
      loadConfig({ PORT: 'eighty', LOG_LEVEL: 'loud', MAX_FRAME_BYTES: '10' });
    } catch (err) {
      const message = (err as Error).message;
      expect(message).toContain('PORT="eighty"');
      expect(message).toContain('LOG_LEVEL="loud": expected one of fatal, error, warn, info, debug, trace, silent');
      expect(message).toContain('MAX_FRAME_BYTES="10"');
    }
  });

  it('reads the security settings, and refuses more than one token verifier', () => {
    expect(defaultConfig).toMatchObject({
      MAX_CONNECTIONS_PER_IP: 100,
      HANDSHAKE_TIMEOUT_MS: 10000,
      TRUST_PROXY: false,
      ALLOWED_ORIGINS: '',
      API_KEY: '',
    });
    expect(loadConfig({ TRUST_PROXY: 'true', MAX_CONNECTIONS_PER_IP: '5' })).toMatchObject({
      TRUST_PROXY: true,
      MAX_CONNECTIONS_PER_IP: 5,
    });
    expect(() => loadConfig({ TRUST_PROXY: 'maybe' })).toThrow('TRUST_PROXY="maybe"');
    expect(() => loadConfig({ AUTH_JWT_SECRET: 's', AUTH_JWKS_URL: 'https://id.example/jwks' })).toThrow(
      'set at most one',
    );
  });
});

describe('Redis configuration', () => {
  it('is off by default, with the documented prefix and node ttl', () => {
    expect(defaultConfig.REDIS_URL).toBeUndefined();
    expect(defaultConfig).toMatchObject({ REDIS_PREFIX: 'roomcast:', NODE_TTL_MS: 10000 });
  });

  it('takes a redis:// or rediss:// URL and rejects anything else', () => {
    expect(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379' }).REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(loadConfig({ REDIS_URL: 'rediss://cache:6380' }).REDIS_URL).toBe('rediss://cache:6380');
    expect(() => loadConfig({ REDIS_URL: '127.0.0.1:6379' })).toThrow('REDIS_URL="127.0.0.1:6379"');
  });
});
