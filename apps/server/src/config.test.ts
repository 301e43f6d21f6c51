import { describe, expect, it } from 'vitest';
import { ConfigError, defaultConfig, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('applies defaults', () => {
    expect(loadConfig({})).toEqual(defaultConfig);
    expect(defaultConfig).toMatchObject({ PORT: 3000, HOST: '127.0.0.1', MAX_FRAME_BYTES: 65536, LOG_LEVEL: 'info' });
  });

  it('converts numbers from strings and ignores unrelated variables', () => {
    const config = loadConfig({ PORT: '8080', MAX_ROOMS_PER_CONNECTION: '4', PATH: '/usr/bin', LOG_LEVEL: 'debug' });
    expect(config).toMatchObject({ PORT: 8080, MAX_ROOMS_PER_CONNECTION: 4, LOG_LEVEL: 'debug' });
  });

  it('lists every invalid variable with its value', () => {
    expect(() => loadConfig({ PORT: 'eighty', LOG_LEVEL: 'loud', MAX_FRAME_BYTES: '10' })).toThrow(ConfigError);
    try {
      loadConfig({ PORT: 'eighty', LOG_LEVEL: 'loud', MAX_FRAME_BYTES: '10' });
    } catch (err) {
      const message = (err as Error).message;
      expect(message).toContain('PORT="eighty"');
      expect(message).toContain('LOG_LEVEL="loud"');
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
