import { setTimeout as sleep } from 'node:timers/promises';
import { nowMs } from '@roomcast/measure';
import { prng } from '../prng.js';
import type { DropsFigures } from '../result.js';
import type { Rule } from '../verify/violations.js';
import type { ResumeFigures } from '../wire.js';
import { sendersOn } from './fanout.js';
import {
  type Collected,
  clientSpecs,
  collectAll,
  connectAndSettle,
  drainAll,
  measure,
  type Scenario,
  type ScenarioEnv,
  TRACK_RULES,
  workerOf,
} from './harness.js';

/** A connection younger than this is not cut: its welcome (and the new token in it) may still be on the way. */
const SETTLED_MS = 1000;

/**
 * Cuts random connections (no close frame) at random times through the run, and at mid-run kills
 * the first node when asked to; resolves with how many were cut.
 */
async function cutter(env: ScenarioEnv, until: number): Promise<{ cuts: number; killed: boolean }> {
  const { options, cutters } = env;
  const rand = prng(options.seed ^ 0x5eed);
  const total = options.drops ?? 0;
  const start = nowMs();
  const span = Math.max(0, until - start);
  // Times of the cuts, spread at random over the run (not its last tenth: let them come back).
  const times = Array.from({ length: total }, () => start + rand() * span * 0.9).sort((a, b) => a - b);
  const killAt = env.killNode ? start + span / 2 : Infinity;
  let killed = false;
  let cuts = 0;
  for (const at of times) {
    if (!killed && at >= killAt) killed = await kill(env);
    const wait = at - nowMs();
    if (wait > 0) await sleep(wait);
    const live = cutters.filter((_, i) => !(killed && i === 0));
    // None old enough yet (all just resumed, or a slow start): try again shortly, within a bound.
    const giveUp = until + 5000;
    for (;;) {
      const proxy = live[Math.floor(rand() * live.length)];
      if (proxy?.cutOne(rand(), SETTLED_MS)) {
        cuts++;
        break;
      }
      if (nowMs() > giveUp) break;
      await sleep(50);
    }
  }
  if (!killed && env.killNode) {
    const wait = killAt - nowMs();
    if (wait > 0) await sleep(wait);
    killed = await kill(env);
  }
  return { cuts, killed };
}

/** The first node dies: its clients learn so (to move on at once), its proxy cuts everything, then the process goes. */
async function kill(env: ScenarioEnv): Promise<boolean> {
  env.phase('killing node 1');
  await env.swarm.all({ type: 'node-killed', node: 0 });
  env.cutters[0]?.kill();
  await env.killNode?.();
  env.phase('running');
  return true;
}

function sum(figures: ResumeFigures[], key: 'drops' | 'resumed' | 'failedAttempts' | 'expected' | 'received'): number {
  return figures.reduce((n, f) => n + f[key], 0);
}

/**
 * A user seen joining or leaving once traffic began: that is only allowed for a client whose
 * resume took longer than the grace could cover, or whose node died.
 */
function checkPresence(env: ScenarioEnv, collected: Collected): void {
  const grace = env.presenceGraceMs;
  const dropped = new Map<string, { maxGapMs: number; nodeKilled: boolean }>();
  for (const f of collected.resume) for (const [id, d] of Object.entries(f.dropped)) dropped.set(id, d);
  for (const f of collected.resume) {
    for (const [id, seen] of Object.entries(f.presenceAbout)) {
      const d = dropped.get(id);
      // Half the grace: the server starts it when it notices the drop, which may be a little late.
      if (d && (d.nodeKilled || d.maxGapMs > grace / 2)) continue;
      const why = d ? `it came back within ${d.maxGapMs} ms (grace ${grace} ms)` : 'it never dropped';
      collected.violations.add('presence-across-drops', `${seen} presence change(s) about ${id}, though ${why}`, seen);
    }
  }
}

/**
 * Clients in rooms, senders sending; the proxy cuts connections at random with no close frame,
 * clients resume with their token and positions, and every member must end holding every seq of
 * its room since it joined, exactly once, in order (replayed and live), each resume `recovered: true`.
 */
export const drops: Scenario = {
  mode: 'resume',
  async run(env: ScenarioEnv) {
    const { options } = env;
    env.phase('connecting');
    const { failed } = await connectAndSettle(env, 0, options.clients);
    env.phase('running');
    const until = nowMs() + options.duration * 1000;
    const {
      seconds: trafficSeconds,
      value: [cut],
    } = await measure(env, () =>
      Promise.all([
        cutter(env, until),
        env.swarm.all((w) => ({ type: 'load', senders: sendersOn(env, w), rate: options.rate, until })),
      ]),
    );
    env.phase('resuming');
    await drainAll(env);
    // One last message per room, sent once every client is back: each member must reach its seq.
    env.phase('fencing');
    const byWorker: Record<string, number>[] = Array.from({ length: env.swarm.size }, () => ({}));
    for (const spec of clientSpecs(env, 0, options.clients)) {
      const mine = byWorker[workerOf(spec.client, env.swarm.size)] as Record<string, number>;
      if (!byWorker.some((w) => w[spec.room] !== undefined)) mine[spec.room] = spec.client;
    }
    const replies = await env.swarm.all<Record<string, number>>((w) => ({
      type: 'fence',
      clients: byWorker[w] ?? {},
    }));
    const fences: Record<string, number> = Object.assign({}, ...replies);
    await drainAll(env);
    env.phase('verifying');
    const expected = Object.fromEntries(Object.entries(fences).map(([room, seq]) => [room, [seq]]));
    const collected = await collectAll(env, expected, false);
    const missingFence = env.rooms.filter((r) => fences[r] === undefined);
    if (missingFence.length > 0) {
      collected.violations.add(
        'requests-accepted',
        `no closing message could be sent into ${missingFence.join(', ')}, so their members were not checked`,
        missingFence.length,
      );
    }
    const rules: Rule[] = [...TRACK_RULES, 'resume-recovered'];
    if (env.presenceGraceMs > 0) {
      rules.push('presence-across-drops');
      checkPresence(env, collected);
    }
    const figures = collected.resume;
    const expectedCount = sum(figures, 'expected');
    const received = sum(figures, 'received');
    const dropsFigures: DropsFigures = {
      cuts: env.cutters.reduce((n, c) => n + c.cuts, 0),
      drops: sum(figures, 'drops'),
      resumed: sum(figures, 'resumed'),
      failedAttempts: sum(figures, 'failedAttempts'),
      maxGapMs: Math.max(0, ...figures.map((f) => f.maxGapMs)),
      expected: expectedCount,
      received,
      deliveryRatio: expectedCount > 0 ? Math.floor((received / expectedCount) * 100_000) / 1000 : 0,
      nodeKilled: cut.killed,
    };
    const warnings: string[] = [];
    if (failed > 0) warnings.push(`${failed} of ${options.clients} clients could not connect`);
    if (dropsFigures.drops === 0) warnings.push('no connection was cut: nothing about resuming was tested');
    return {
      ...collected,
      trafficSeconds,
      rules,
      // Nothing cut, or nothing to deliver: the run proved nothing about resuming.
      fullyVerified: dropsFigures.drops > 0 && expectedCount > 0,
      warnings,
      notes: [
        `${dropsFigures.cuts} connections cut (${cut.cuts} at random${cut.killed ? ', the rest with the killed node' : ''}); ${dropsFigures.resumed} of ${dropsFigures.drops} drops resumed, the longest after ${dropsFigures.maxGapMs} ms`,
        `delivery ratio ${dropsFigures.deliveryRatio}% (${received} of ${expectedCount} messages owed to members since they joined, each once and in order; the bar is 100%)`,
      ],
      drops: dropsFigures,
    };
  },
};
