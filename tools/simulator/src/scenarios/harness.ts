import { type DriverLoad, type Histogram, mergeHistograms } from '@roomcast/measure';
import { SignJWT } from 'jose';
import type { CutProxy } from '../cut-proxy.js';
import type { ScenarioName, SimOptions } from '../options.js';
import type { CapacityStep, DropsFigures, HttpFigures } from '../result.js';
import type { Swarm } from '../swarm.js';
import { type Target, TargetError } from '../target.js';
import type { Rule } from '../verify/violations.js';
import { Violations } from '../verify/violations.js';
import type {
  ClientSpec,
  ConnectResult,
  Counters,
  DrainReport,
  Mode,
  ResumeFigures,
  SessionLog,
  WorkerReport,
} from '../wire.js';

export interface ScenarioEnv {
  name: ScenarioName;
  options: SimOptions;
  /** The first node: its HTTP origin serves the publish scenario. */
  target: Target;
  /** Every node; client n connects to node n mod N. */
  targets: Target[];
  /** drops: one cutting proxy per node, in front of it. */
  cutters: CutProxy[];
  /** How long the server(s) wait before announcing `user:left` for a closed connection. */
  presenceGraceMs: number;
  /** drops: kills the first node (its proxy has cut every connection already). */
  killNode?: () => Promise<void>;
  swarm: Swarm;
  runTag: string;
  rooms: string[];
  phase(name: string): void;
  /** The driver's load over each measured window, as `measure` records it. */
  loads: DriverLoad[];
}

/** What a scenario hands back to the runner, which turns it into a RunResult. */
export interface ScenarioOutcome {
  counters: Counters;
  errorsByCode: Record<string, number>;
  latency: Histogram;
  connectTime: Histogram;
  violations: Violations;
  /** Seconds of traffic, for rates. */
  trafficSeconds: number;
  /** Rules this scenario checks. */
  rules: Rule[];
  /** False when part of the run could not be checked (a full frame log): the run cannot pass. */
  fullyVerified: boolean;
  warnings: string[];
  notes: string[];
  http?: HttpFigures;
  capacity?: { limitMs: number; maxClients: number; steps: CapacityStep[] };
  drops?: DropsFigures;
}

export interface Scenario {
  /**
   * log: the global verifier sees every frame; track: constant memory per connection; resume:
   * track, with clients that resume after every drop (through cutting proxies).
   */
  mode: Mode;
  run(env: ScenarioEnv): Promise<ScenarioOutcome>;
}

/**
 * A scenario is connect -> drive -> drain -> verify. `measure(env, drive)` runs the drive, the one
 * window whose time and driver load count, and returns its length in seconds with what the drive returned.
 */
export async function measure<T>(env: ScenarioEnv, drive: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  const { value, load } = await env.swarm.measure(drive);
  env.loads.push(load);
  return { seconds: load.seconds, value };
}

export const roomNames = (runTag: string, n: number) => Array.from({ length: n }, (_, i) => `sim-${runTag}-r${i}`);

export function clientSpecs(env: ScenarioEnv, from: number, count: number): ClientSpec[] {
  return Array.from({ length: count }, (_, k) => {
    const client = from + k;
    const room = env.rooms[client % env.rooms.length] as string;
    return { client, name: `sim-${client}`, room, node: client % env.targets.length };
  });
}

/** Client n lives on worker n mod W, so senders and receivers spread evenly. */
export const workerOf = (client: number, workers: number) => client % workers;

/** Gives each client its token: the one from --token, or its own minted with --jwt-secret (sub = its name). */
async function withTokens(options: SimOptions, specs: ClientSpec[]): Promise<ClientSpec[]> {
  if (options.token) return specs.map((s) => ({ ...s, token: options.token }));
  if (!options.jwtSecret) return specs;
  const key = new TextEncoder().encode(options.jwtSecret);
  return Promise.all(
    specs.map(async (s) => ({
      ...s,
      token: await new SignJWT({ sub: s.name, name: s.name })
        .setProtectedHeader({ alg: 'HS256' })
        .setExpirationTime('1h')
        .sign(key),
    })),
  );
}

export async function connectAll(env: ScenarioEnv, given: ClientSpec[]): Promise<{ opened: number; failed: number }> {
  const specs = await withTokens(env.options, given);
  const results = await env.swarm.all<ConnectResult[]>((w) => ({
    type: 'connect',
    clients: specs.filter((s) => workerOf(s.client, env.swarm.size) === w),
    concurrency: 16,
  }));
  const flat = results.flat();
  const opened = flat.filter((r) => r.ok).length;
  if (opened === 0 && specs[0]?.client === 0) {
    throw new TargetError(
      `none of ${specs.length} clients could connect to ${env.target.wsUrl}: is the server running there?`,
    );
  }
  return { opened, failed: flat.length - opened };
}

/** Connects clients and lets their join announcements settle, so the first messages do not queue behind them. */
export async function connectAndSettle(env: ScenarioEnv, from: number, count: number) {
  const outcome = await connectAll(env, clientSpecs(env, from, count));
  await drainAll(env, 200);
  return outcome;
}

/** Waits for replies and quiet on every worker; returns the seqs acknowledged to senders, by room. */
export async function drainAll(env: ScenarioEnv, quietMs = 300): Promise<Record<string, number[]>> {
  const maxMs = env.options.timeout * (env.cutters.length > 0 ? 5 : 1) + 3000;
  const reports = await env.swarm.all<DrainReport>({ type: 'drain', quietMs, maxMs });
  const acked: Record<string, number[]> = {};
  for (const r of reports) {
    for (const [room, seqs] of Object.entries(r.acked)) acked[room] = [...(acked[room] ?? []), ...seqs];
  }
  for (const seqs of Object.values(acked)) seqs.sort((a, b) => a - b);
  return acked;
}

export interface Collected {
  counters: Counters;
  errorsByCode: Record<string, number>;
  latency: Histogram;
  connectTime: Histogram;
  violations: Violations;
  sessions: SessionLog[];
  logOverflow: boolean;
  resume: ResumeFigures[];
}

export async function collectAll(
  env: ScenarioEnv,
  expected: Record<string, number[]>,
  reset: boolean,
): Promise<Collected> {
  const reports = await env.swarm.all<WorkerReport>({ type: 'collect', expected, reset });
  const violations = new Violations();
  const counters = { ...reports[0]?.counters } as Counters;
  const errorsByCode: Record<string, number> = {};
  for (const [i, r] of reports.entries()) {
    violations.merge(r.violations);
    if (i > 0) for (const k of Object.keys(counters) as (keyof Counters)[]) counters[k] += r.counters[k];
    for (const [code, n] of Object.entries(r.errorsByCode)) errorsByCode[code] = (errorsByCode[code] ?? 0) + n;
  }
  return {
    counters,
    errorsByCode,
    latency: mergeHistograms(reports.map((r) => r.latency)),
    connectTime: mergeHistograms(reports.map((r) => r.connectTime)),
    violations,
    sessions: reports.flatMap((r) => r.sessions),
    logOverflow: reports.some((r) => r.logOverflow),
    resume: reports.flatMap((r) => (r.resume ? [r.resume] : [])),
  };
}

export const TRACK_RULES: Rule[] = [
  'frames-valid',
  'welcome-first',
  'presence-not-to-subject',
  'delivery-complete',
  'delivery-once',
  'delivery-in-order',
  'sender-included',
  'rooms-isolated',
  'one-reply-per-id',
  'requests-accepted',
];
