import { setTimeout as sleep } from 'node:timers/promises';
import { nowMs } from '@roomcast/measure';
import { NODE_PROPAGATION_MS, verifyLogs } from '../verify/log-verifier.js';
import { RULES, type Rule } from '../verify/violations.js';
import type { ScriptParams } from '../wire.js';
import { clientSpecs, collectAll, connectAll, drainAll, measure, type Scenario, type ScenarioEnv } from './harness.js';

/** The server's default MAX_ROOMS_PER_CONNECTION; scripts stay within it. */
const MAX_ROOMS = 32;

/**
 * semantics and churn: clients join, chat, leave and reconnect in a seeded random order; every
 * frame is logged and the global verifier checks every rule of the protocol afterwards.
 */
export function scripted(kind: 'semantics' | 'churn'): Scenario {
  return {
    mode: 'log',
    async run(env: ScenarioEnv) {
      const { options } = env;
      env.phase('connecting');
      const specs = clientSpecs(env, 0, options.clients);
      const { failed } = await connectAll(env, specs);
      const profiles: ScriptParams['profiles'] = {};
      // The first --senders clients chat; the others come and go (churn) or only move between rooms (semantics).
      const others = kind === 'churn' ? 'churn' : 'listen';
      for (const s of specs) profiles[s.client] = s.client < options.senders ? 'chat' : others;
      env.phase('running');
      const params: ScriptParams = {
        seed: options.seed,
        until: nowMs() + options.duration * 1000,
        rooms: env.rooms,
        maxRooms: Math.min(MAX_ROOMS, env.rooms.length),
        profiles,
        rate: options.rate,
      };
      const { seconds: trafficSeconds } = await measure(env, () => env.swarm.all({ type: 'script', params }));
      env.phase('draining');
      // The last departures are announced only after the servers' presence grace: wait it out.
      if (env.presenceGraceMs > 0) await sleep(env.presenceGraceMs + 500);
      await drainAll(env);
      env.phase('verifying');
      const collected = await collectAll(env, {}, false);
      const verified = verifyLogs(collected.sessions, collected.violations, {
        presenceGraceMs: env.presenceGraceMs,
        propagationMs: env.targets.length > 1 ? NODE_PROPAGATION_MS : 0,
      });
      const warnings: string[] = [];
      if (collected.logOverflow) {
        warnings.push(
          'the frame log hit its limit, so part of the run was not verified: use fewer clients or less time',
        );
      }
      const notes = [
        `verified ${verified.messages} messages and ${verified.presence} presence changes over ${collected.sessions.length} connections`,
      ];
      if (verified.seqRestarts > 0) {
        notes.push(
          `seq went back on rejoin ${verified.seqRestarts} time(s): the room had emptied and its seq started again (the server forgets a room's seq when it empties); order held within every membership`,
        );
      }
      if (failed > 0) warnings.push(`${failed} of ${options.clients} clients could not connect`);
      return {
        ...collected,
        trafficSeconds,
        rules: Object.keys(RULES) as Rule[],
        fullyVerified: !collected.logOverflow,
        warnings,
        notes,
      };
    },
  };
}
