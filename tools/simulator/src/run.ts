import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import {
  combineLoads,
  machineMicros,
  nowMs,
  processCpuMicros,
  processRssBytes,
  summarizeLatency,
} from '@roomcast/measure';
import { type CutProxy, startCutProxy } from './cut-proxy.js';
import { resolveOptions, type ScenarioName, type SimOptions, targetUrls } from './options.js';
import type { Check, RunResult } from './result.js';
import { roomNames } from './scenarios/harness.js';
import { type ScenarioEnv, scenarios } from './scenarios/index.js';
import { startSwarm, swarmTotals } from './swarm.js';
import { startServer, type Target, TargetError, useUrl } from './target.js';
import { RULES, type Rule } from './verify/violations.js';
import type { Counters } from './wire.js';

export interface RunHooks {
  /** Live counts summed over the workers, a few times a second. */
  onProgress?: (totals: Counters) => void;
  /** Called as the run moves from phase to phase (connecting, running, ...). */
  onPhase?: (phase: string) => void;
  /**
   * drops: kills the node behind the first URL mid-run (the CLI's --kill-node sends SIGKILL to a
   * PID; a test can close an in-process node). The simulator has already cut every connection to it.
   */
  killNode?: () => Promise<void>;
}

/** How long the simulator's own server waits before `user:left`, per scenario. */
export function selfStartedGraceMs(name: ScenarioName): number {
  // drops checks that a quick resume causes no left/joined pair, which needs a grace; elsewhere
  // departures are checked as they happen and a grace would only delay every user:left.
  return name === 'drops' ? 5000 : 0;
}

/** CPU time (ms) and resident memory (MiB) of a process, from /proc; null where /proc cannot be read. */
function processUsage(pid: number): { cpuMs: number; rssMb: number } | null {
  try {
    return { cpuMs: processCpuMicros(pid) / 1000, rssMb: Math.round(processRssBytes(pid) / 2 ** 20) };
  } catch {
    return null;
  }
}

function machineUsage(): { busy: number; total: number } | null {
  try {
    return machineMicros();
  } catch {
    return null;
  }
}

/** Settings for a server the simulator starts itself, raised above the defaults as the scenario needs. */
export function serverEnvFor(options: SimOptions, name: ScenarioName = 'semantics'): Record<string, string> {
  // Inbound frames per connection: sends plus joins/leaves, with headroom for bursts.
  const perSec = Math.max(50, Math.ceil(options.rate * 2));
  return {
    RATE_LIMIT_PER_SEC: String(perSec),
    RATE_LIMIT_BURST: String(Math.max(100, perSec * 2)),
    MAX_CONNECTIONS: String(Math.max(10_000, options.clients + 100)),
    // Every simulated client comes from this one loopback address.
    MAX_CONNECTIONS_PER_IP: String(Math.max(10_000, options.clients + 100)),
    MAX_ROOMS_PER_CONNECTION: String(Math.max(32, options.rooms)),
    LOG_LEVEL: 'warn',
    PRESENCE_GRACE_MS: String(selfStartedGraceMs(name)),
    ...(options.jwtSecret ? { AUTH_JWT_SECRET: options.jwtSecret } : {}),
  };
}

/** Runs one scenario from start to end and returns what it found; never leaves a worker or server behind. */
export async function runScenario(
  name: ScenarioName,
  given: Partial<SimOptions> = {},
  runHooks: RunHooks = {},
): Promise<RunResult> {
  const options = resolveOptions(name, given, availableParallelism());
  let hooks = runHooks;
  const scenario = scenarios[name];
  const startedAt = new Date();
  const t0 = nowMs();
  const cpu0 = process.cpuUsage();
  const machine0 = machineUsage();
  const warnings: string[] = [];
  const notes: string[] = [];

  const urls = targetUrls(options);
  const targets: Target[] = urls.length > 0 ? urls.map(useUrl) : [await startServer(serverEnvFor(options, name))];
  const target = targets[0] as Target;
  const graceMs = target.selfStarted ? selfStartedGraceMs(name) : (options.presenceGraceMs ?? 0);
  if (scenario.mode === 'resume' && targets.some((t) => t.wsUrl.startsWith('wss:'))) {
    await Promise.all(targets.map((t) => t.stop()));
    throw new TargetError('drops cuts TCP connections through a plain proxy: use ws:// URLs');
  }
  if (name === 'drops' && hooks.killNode === undefined && options.killNode !== undefined) {
    hooks = { ...hooks, killNode: () => killPid(options.killNode as number) };
  }
  if (target.serverEnv) {
    const env = Object.entries(target.serverEnv)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    notes.push(`server: started by the simulator at ${target.wsUrl} with ${env}`);
  } else if (options.rate * 2 > 50 && name !== 'publish') {
    warnings.push(
      `--rate ${options.rate} may exceed the server's per-connection rate limit (default RATE_LIMIT_PER_SEC=50); refused frames count as failures`,
    );
  }
  if (targets.length > 1) {
    notes.push(`${targets.length} nodes: clients spread over them round-robin; presence and seq checked cluster-wide`);
  }
  const serverCpu0 = target.pid ? processUsage(target.pid) : null;
  const runTag = randomBytes(4).toString('hex');
  // drops: every client goes through a proxy that can cut its TCP connection.
  const cutters: CutProxy[] =
    scenario.mode === 'resume' ? await Promise.all(targets.map((t) => startCutProxy(t.wsUrl))) : [];
  const swarm = startSwarm(options.workers, {
    urls: cutters.length > 0 ? cutters.map((c) => c.url) : targets.map((t) => t.wsUrl),
    runTag,
    mode: scenario.mode,
    replyTimeoutMs: options.timeout,
    logLimit: 2_000_000,
    padding: options.size,
  });
  const onProgress = hooks.onProgress;
  if (onProgress) swarm.onProgress((counters) => onProgress(swarmTotals(counters)));
  const env: ScenarioEnv = {
    name,
    options,
    target,
    targets,
    cutters,
    presenceGraceMs: graceMs,
    ...(hooks.killNode ? { killNode: hooks.killNode } : {}),
    swarm,
    runTag,
    rooms: roomNames(runTag, options.rooms),
    phase: (p) => hooks.onPhase?.(p),
    loads: [],
  };

  // Every run stops by itself: a generous budget past the planned traffic time, then abort.
  const planned = name === 'capacity' ? Math.ceil(options.clients / options.step) * options.duration : options.duration;
  const budgetMs = planned * 1000 * 1.5 + options.timeout * 4 + options.clients * 50 + 30_000;
  let watchdog: NodeJS.Timeout | undefined;
  try {
    const outcome = await Promise.race([
      scenario.run(env),
      new Promise<never>((_, reject) => {
        watchdog = setTimeout(() => reject(new Error(`run aborted after ${Math.round(budgetMs / 1000)} s`)), budgetMs);
      }),
    ]);
    env.phase('closing');
    await swarm.all({ type: 'close' }).catch(() => undefined);
    const load = combineLoads(env.loads);
    const wallMs = nowMs() - t0;
    const cpu = process.cpuUsage(cpu0);
    const cpuPercent = Math.round(((cpu.user + cpu.system) / 1000 / wallMs / availableParallelism()) * 1000) / 10;
    if (load.saturated) {
      warnings.push(
        `the generator is saturated (${load.reason}): latency includes client-side queueing; use fewer clients, more --workers, or another machine`,
      );
    }
    const serverCpu1 = target.pid ? processUsage(target.pid) : null;
    const machine1 = machineUsage();
    if (machine0 && machine1) {
      // What neither the generator nor the server used: other processes competing for the cores.
      const serverMs = serverCpu0 && serverCpu1 ? serverCpu1.cpuMs - serverCpu0.cpuMs : 0;
      const otherMs = (machine1.busy - machine0.busy - cpu.user - cpu.system) / 1000 - serverMs;
      const share = otherMs / Math.max(1, (machine1.total - machine0.total) / 1000);
      if (share > 0.25) {
        warnings.push(
          `other processes used ${Math.round(share * 100)}% of the machine's CPU during the run: latency and rates are noisy; compare runs side by side`,
        );
      }
    }
    const { counters, violations } = outcome;
    const checks: Check[] = outcome.rules.map((rule) => ({
      rule,
      description: RULES[rule],
      ok: !violations.counts[rule],
      violations: violations.counts[rule] ?? 0,
      examples: violations.examples[rule] ?? [],
    }));
    const count = (r: Rule) => violations.counts[r] ?? 0;
    const result: RunResult = {
      scenario: name,
      ok: checks.every((c) => c.ok) && outcome.fullyVerified,
      fullyVerified: outcome.fullyVerified,
      seed: options.seed,
      startedAt: startedAt.toISOString(),
      durationMs: Math.round(wallMs),
      target: {
        url: target.wsUrl,
        urls: targets.map((t) => t.wsUrl),
        selfStarted: target.selfStarted,
        ...(target.serverEnv ? { serverEnv: target.serverEnv } : {}),
      },
      options,
      connections: {
        attempted: counters.connects + counters.connectFailures,
        opened: counters.connects,
        failed: counters.connectFailures,
        connectMs: summarizeLatency(outcome.connectTime),
      },
      traffic: {
        sent: outcome.http?.requests ?? counters.sent,
        acked: counters.acked,
        delivered: counters.delivered,
        presence: counters.presence,
        deliveriesPerSec: Math.round(counters.delivered / Math.max(0.001, outcome.trafficSeconds)),
        errors: outcome.errorsByCode,
      },
      latency: summarizeLatency(outcome.latency),
      summary: {
        missing: count('delivery-complete'),
        duplicated: count('delivery-once'),
        misrouted: count('rooms-isolated'),
        outOfOrder: count('delivery-in-order'),
        presence: count('presence-to-others') + count('presence-not-to-subject') + count('presence-only-to-members'),
        replies: count('one-reply-per-id'),
      },
      checks,
      generator: {
        workers: swarm.size,
        cpuPercent,
        eluMean: Math.round(load.eluMean * 100) / 100,
        eluMax: Math.round(load.eluMax * 100) / 100,
        lagMaxMs: Math.round(load.lagMaxMs),
        saturated: load.saturated,
      },
      ...(serverCpu0 && serverCpu1
        ? {
            server: {
              cpuMs: serverCpu1.cpuMs - serverCpu0.cpuMs,
              cpuUsPerDelivery:
                counters.delivered > 0
                  ? Math.round(((serverCpu1.cpuMs - serverCpu0.cpuMs) * 1000 * 100) / counters.delivered) / 100
                  : null,
              rssMb: serverCpu1.rssMb,
            },
          }
        : {}),
      ...(outcome.http ? { http: outcome.http } : {}),
      ...(outcome.capacity ? { capacity: outcome.capacity } : {}),
      ...(outcome.drops ? { drops: outcome.drops } : {}),
      warnings: [...warnings, ...outcome.warnings],
      notes: [...notes, ...outcome.notes],
    };
    return result;
  } finally {
    clearTimeout(watchdog);
    await swarm.terminate();
    await Promise.all(cutters.map((c) => c.close()));
    await Promise.all(targets.map((t) => t.stop()));
  }
}

/** SIGKILLs a local process and waits (bounded) until it is gone. */
async function killPid(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGKILL');
  } catch (err) {
    throw new TargetError(`--kill-node ${pid}: ${(err as Error).message}`);
  }
  const deadline = nowMs() + 10_000;
  while (nowMs() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}
