export const SCENARIOS = ['semantics', 'fanout', 'capacity', 'churn', 'publish', 'drops'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface SimOptions {
  /**
   * ws:// or wss:// URL of the server, or of several nodes of one cluster (clients are spread
   * over them round-robin); absent: the simulator starts one on loopback.
   */
  url?: string | string[];
  /**
   * How long the server(s) at --url wait before announcing `user:left` for a closed connection
   * (their PRESENCE_GRACE_MS); must match it. A server the simulator starts itself gets 0.
   */
  presenceGraceMs?: number;
  /** drops: connections cut (no close frame) during the run. */
  drops?: number;
  /**
   * drops, with two or more --url: SIGKILL this process (the one serving the first --url) mid-run;
   * its clients must resume on the other nodes.
   */
  killNode?: number;
  clients: number;
  rooms: number;
  senders: number;
  /** Messages per second per sender (semantics/churn: actions per second per client). */
  rate: number;
  /** Seconds of traffic (capacity: per step). */
  duration: number;
  seed: number;
  workers: number;
  /** How long a request may wait for its reply, ms. */
  timeout: number;
  /** Bytes of padding added to each message text. */
  size: number;
  /** capacity: p95 broadcast latency limit, ms. */
  latencyLimit: number;
  /** capacity: clients added per step. */
  step: number;
  /** A JWT every client presents, for a server with auth on. */
  token?: string;
  /** HS256 secret: each client gets its own token (sub = its name); a server the simulator starts uses it too. */
  jwtSecret?: string;
}

/** Per-scenario defaults; `--help` prints the same table. */
export const DEFAULTS: Record<
  ScenarioName,
  Omit<SimOptions, 'url' | 'seed' | 'workers' | 'presenceGraceMs' | 'drops' | 'killNode'>
> = {
  semantics: {
    clients: 40,
    rooms: 4,
    senders: 40,
    rate: 4,
    duration: 5,
    timeout: 5000,
    size: 0,
    latencyLimit: 250,
    step: 0,
  },
  fanout: {
    clients: 200,
    rooms: 4,
    senders: 8,
    rate: 20,
    duration: 10,
    timeout: 5000,
    size: 64,
    latencyLimit: 250,
    step: 0,
  },
  capacity: {
    clients: 2000,
    rooms: 1,
    senders: 4,
    rate: 10,
    duration: 3,
    timeout: 5000,
    size: 64,
    latencyLimit: 250,
    step: 250,
  },
  churn: {
    clients: 60,
    rooms: 4,
    senders: 30,
    rate: 4,
    duration: 8,
    timeout: 5000,
    size: 0,
    latencyLimit: 250,
    step: 0,
  },
  drops: {
    clients: 24,
    rooms: 3,
    senders: 6,
    rate: 10,
    duration: 5,
    timeout: 5000,
    size: 0,
    latencyLimit: 250,
    step: 0,
  },
  publish: {
    clients: 20,
    rooms: 1,
    senders: 4,
    rate: 100,
    duration: 5,
    timeout: 5000,
    size: 64,
    latencyLimit: 250,
    step: 0,
  },
};

/** Hard bounds: every run is bounded in connections, traffic and time. */
export const BOUNDS = {
  clients: [1, 20_000],
  rooms: [1, 1000],
  senders: [0, 20_000],
  rate: [0.1, 10_000],
  duration: [0.5, 3600],
  workers: [1, 64],
  timeout: [100, 120_000],
  size: [0, 60_000],
  latencyLimit: [0.01, 60_000],
  step: [1, 20_000],
  presenceGraceMs: [0, 600_000],
  drops: [0, 100_000],
} as const satisfies Partial<Record<keyof SimOptions, readonly [number, number]>>;

export class OptionsError extends Error {
  override name = 'OptionsError';
}

export function isScenario(name: string): name is ScenarioName {
  return (SCENARIOS as readonly string[]).includes(name);
}

export function defaultWorkers(clients: number, cores: number): number {
  // A worker per core, but never a worker for a handful of clients.
  return Math.max(1, Math.min(cores, Math.ceil(clients / 25)));
}

/** Fills in defaults and checks bounds; throws OptionsError naming the option. */
export function resolveOptions(scenario: ScenarioName, given: Partial<SimOptions>, cores: number): SimOptions {
  const merged = { ...DEFAULTS[scenario], ...stripUndefined(given) };
  const clients = merged.clients;
  const opts: SimOptions = {
    ...merged,
    // A default that does not fit a small --clients shrinks; an explicit one is checked below.
    rooms: given.rooms ?? Math.min(merged.rooms, clients),
    senders: given.senders ?? (scenario === 'semantics' ? clients : Math.min(merged.senders, clients)),
    seed: given.seed ?? Math.floor(Math.random() * 2 ** 31),
    workers: given.workers ?? defaultWorkers(clients, cores),
    presenceGraceMs: given.presenceGraceMs ?? 0,
    ...(scenario === 'drops' ? { drops: given.drops ?? clients } : {}),
  };
  for (const [key, [lo, hi]] of Object.entries(BOUNDS) as [keyof typeof BOUNDS, readonly [number, number]][]) {
    const value = opts[key];
    if (key === 'step' && scenario !== 'capacity') continue;
    if (value === undefined) continue;
    if (!Number.isFinite(value) || value < lo || value > hi) {
      throw new OptionsError(`--${kebab(key)} must be between ${lo} and ${hi}, got ${value}`);
    }
  }
  if (!Number.isInteger(opts.seed) || opts.seed < 0) throw new OptionsError('--seed must be a non-negative integer');
  if (opts.rooms > opts.clients) throw new OptionsError(`--rooms (${opts.rooms}) cannot exceed --clients (${clients})`);
  if (opts.senders > opts.clients) throw new OptionsError(`--senders (${opts.senders}) cannot exceed --clients`);
  if (scenario === 'capacity' && opts.senders > opts.step) {
    throw new OptionsError(
      `--senders (${opts.senders}) cannot exceed --step (${opts.step}): senders join in the first step`,
    );
  }
  const urls = targetUrls(opts);
  if (opts.drops !== undefined && scenario !== 'drops') throw new OptionsError('--drops applies to the drops scenario');
  if (opts.killNode !== undefined) {
    if (scenario !== 'drops') throw new OptionsError('--kill-node applies to the drops scenario');
    if (urls.length < 2)
      throw new OptionsError('--kill-node needs two or more --url: its clients resume on the others');
    if (!Number.isInteger(opts.killNode) || opts.killNode <= 1) {
      throw new OptionsError(
        `--kill-node must be the PID of the process serving the first --url, got ${opts.killNode}`,
      );
    }
  }
  return opts;
}

/** The --url values as a list (empty: the simulator starts a server). */
export function targetUrls(options: Pick<SimOptions, 'url'>): string[] {
  if (options.url === undefined) return [];
  return typeof options.url === 'string' ? [options.url] : [...options.url];
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
