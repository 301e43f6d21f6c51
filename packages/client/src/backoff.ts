/** How the client retries a lost connection. Delays grow exponentially, capped, with jitter. */
export interface ReconnectOptions {
  /** Reconnect at all after an unexpected drop. Default true. */
  enabled: boolean;
  /** Delay before the first attempt, in ms. Default 500. */
  initialDelayMs: number;
  /** Cap on any single delay, in ms. Default 10 000. */
  maxDelayMs: number;
  /** Growth per attempt. Default 2. */
  factor: number;
  /** Fraction of each delay that is randomized (0 = none, 1 = full jitter). Default 0.5. */
  jitter: number;
  /** Consecutive failed attempts before giving up and closing for good. Default 20; Infinity never gives up. */
  maxAttempts: number;
}

export const DEFAULT_RECONNECT: ReconnectOptions = {
  enabled: true,
  initialDelayMs: 500,
  maxDelayMs: 10_000,
  factor: 2,
  jitter: 0.5,
  maxAttempts: 20,
};

/**
 * Delay before reconnect attempt `attempt` (1-based). Jitter spreads clients that lost the
 * same server so they do not all come back in the same millisecond.
 */
export function backoffDelay(attempt: number, options: ReconnectOptions, random: () => number = Math.random): number {
  const nominal = Math.min(options.maxDelayMs, options.initialDelayMs * options.factor ** Math.max(0, attempt - 1));
  const jitter = Math.min(1, Math.max(0, options.jitter));
  return Math.round(nominal * (1 - jitter * random()));
}
