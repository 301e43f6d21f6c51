/**
 * One clock for every thread: `performance.timeOrigin` differs per worker, the sum does not.
 * Milliseconds, sub-millisecond precision.
 */
export const now = (): number => performance.timeOrigin + performance.now();
