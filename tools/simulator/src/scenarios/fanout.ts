import { nowMs } from '@roomcast/measure';
import {
  collectAll,
  connectAndSettle,
  drainAll,
  measure,
  type Scenario,
  type ScenarioEnv,
  TRACK_RULES,
  workerOf,
} from './harness.js';

/** Senders are the first S clients, so they spread over rooms and workers. */
export function sendersOn(env: ScenarioEnv, worker: number, from = 0): number[] {
  const out: number[] = [];
  for (let c = from; c < from + env.options.senders; c++) if (workerOf(c, env.swarm.size) === worker) out.push(c);
  return out;
}

/** C clients in R rooms, S senders at M messages/s for D seconds; latency of every receipt. */
export const fanout: Scenario = {
  mode: 'track',
  async run(env: ScenarioEnv) {
    const { options } = env;
    env.phase('connecting');
    const { failed } = await connectAndSettle(env, 0, options.clients);
    env.phase('running');
    const until = nowMs() + options.duration * 1000;
    const { seconds: trafficSeconds } = await measure(env, () =>
      env.swarm.all((w) => ({ type: 'load', senders: sendersOn(env, w), rate: options.rate, until })),
    );
    env.phase('draining');
    const acked = await drainAll(env);
    env.phase('verifying');
    const collected = await collectAll(env, acked, false);
    return {
      ...collected,
      trafficSeconds,
      rules: TRACK_RULES,
      fullyVerified: true,
      warnings: failed > 0 ? [`${failed} of ${options.clients} clients could not connect`] : [],
      notes: [
        `${options.senders} senders x ${options.rate} msg/s into ${options.rooms} rooms of ~${Math.round(options.clients / options.rooms)} clients`,
      ],
    };
  },
};
