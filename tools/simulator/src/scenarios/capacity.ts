import { createLatencyHistogram, nowMs, summarizeLatency } from '@roomcast/measure';
import type { CapacityStep } from '../result.js';
import { Violations } from '../verify/violations.js';
import type { Counters } from '../wire.js';
import { sendersOn } from './fanout.js';
import {
  collectAll,
  connectAndSettle,
  drainAll,
  measure,
  type Scenario,
  type ScenarioEnv,
  TRACK_RULES,
} from './harness.js';

/**
 * Adds --step clients at a time and measures broadcast latency at each size, until p95 passes
 * --latency-limit or --clients is reached (like hashrocket's websocket-bench).
 */
export const capacity: Scenario = {
  mode: 'track',
  async run(env: ScenarioEnv) {
    const { options } = env;
    const steps: CapacityStep[] = [];
    const all = createLatencyHistogram();
    const violations = new Violations();
    let collected: Awaited<ReturnType<typeof collectAll>> | undefined;
    let connected = 0;
    let trafficSeconds = 0;
    let maxClients = 0;
    const warnings: string[] = [];
    while (connected < options.clients) {
      const add = Math.min(options.step, options.clients - connected);
      env.phase(`step ${steps.length + 1}: connecting ${connected + add} clients`);
      const { opened, failed } = await connectAndSettle(env, connected, add);
      connected += add;
      env.phase(`step ${steps.length + 1}: measuring ${connected} clients`);
      const before: Counters | undefined = collected?.counters;
      const until = nowMs() + options.duration * 1000;
      const { seconds } = await measure(env, () =>
        env.swarm.all((w) => ({ type: 'load', senders: sendersOn(env, w), rate: options.rate, until })),
      );
      trafficSeconds += seconds;
      const acked = await drainAll(env);
      collected = await collectAll(env, acked, true);
      all.add(collected.latency);
      const s = summarizeLatency(collected.latency);
      const deliveries = collected.counters.delivered - (before?.delivered ?? 0);
      const underLimit = failed === 0 && s !== null && s.p95 <= options.latencyLimit;
      steps.push({
        clients: connected,
        connected: collected.counters.open,
        deliveries,
        deliveriesPerSec: Math.round(deliveries / seconds),
        p50: s?.p50 ?? null,
        p95: s?.p95 ?? null,
        p99: s?.p99 ?? null,
        underLimit,
        curve: s?.curve ?? [],
      });
      if (failed > 0) warnings.push(`step ${steps.length}: ${failed} of ${add} new clients could not connect`);
      if (!underLimit || opened === 0) break;
      maxClients = connected;
    }
    if (!collected) throw new Error('capacity ran no step');
    violations.merge(collected.violations.toJSON());
    return {
      ...collected,
      latency: all,
      violations,
      trafficSeconds,
      rules: TRACK_RULES,
      fullyVerified: true,
      warnings,
      notes: [
        `largest client count with p95 under ${options.latencyLimit} ms: ${maxClients}${maxClients === options.clients ? ' (the --clients ceiling; raise it to go further)' : ''}`,
      ],
      capacity: { limitMs: options.latencyLimit, maxClients, steps },
    };
  },
};
