import { describe, expect, it } from 'vitest';
import { DEFAULT_OFFLINE_TIMEOUT_MS, resolveOptions } from './options.js';

describe('offline and resend options', () => {
  it('default to a 30 s offline deadline and resending calls in flight, as documented', () => {
    const options = resolveOptions({ url: 'ws://127.0.0.1:1/ws' });
    expect(DEFAULT_OFFLINE_TIMEOUT_MS).toBe(30_000);
    expect(options).toMatchObject({ offlineTimeoutMs: 30_000, resendInFlight: true, offline: 'queue', maxQueued: 100 });
  });

  it('refuse an offline deadline that is not a positive number', () => {
    expect(() => resolveOptions({ url: 'ws://127.0.0.1:1/ws', offlineTimeoutMs: 0 })).toThrow(
      'offlineTimeoutMs must be a positive number, got 0',
    );
  });
});
