/** mulberry32: a tiny seeded generator, so a `--seed` replays the same script. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A per-client stream derived from the run seed, independent of how clients are spread over workers. */
export function clientRng(seed: number, client: number): () => number {
  return prng((seed ^ Math.imul(client + 1, 0x9e3779b1)) >>> 0);
}

export function pick<T>(rand: () => number, items: readonly T[]): T | undefined {
  return items.length === 0 ? undefined : items[Math.floor(rand() * items.length)];
}

/** Exponential inter-arrival time with the given mean, capped so one draw cannot stall a run. */
export function expDelay(rand: () => number, meanMs: number): number {
  return Math.min(meanMs * 5, -Math.log(1 - rand()) * meanMs);
}
