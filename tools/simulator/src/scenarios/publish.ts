import { nowMs } from '@roomcast/measure';
import autocannon from 'autocannon';
import type { HttpFigures } from '../result.js';
import {
  collectAll,
  connectAndSettle,
  drainAll,
  measure,
  type Scenario,
  type ScenarioEnv,
  TRACK_RULES,
} from './harness.js';

/** Drives POST /rooms/:room/messages with autocannon (--senders connections at --rate each). */
async function cannon(
  env: ScenarioEnv,
  acked: Record<string, number[]>,
): Promise<{ http: HttpFigures; unreadable: number }> {
  let unreadable = 0;
  const { options } = env;
  const padding = options.size > 0 ? ` ${'x'.repeat(options.size)}` : '';
  const result = await autocannon({
    url: env.target.httpUrl,
    connections: options.senders,
    connectionRate: options.rate,
    duration: options.duration,
    timeout: Math.ceil(options.timeout / 1000),
    requests: env.rooms.map((room) => ({
      method: 'POST' as const,
      path: `/rooms/${room}/messages`,
      headers: { 'content-type': 'application/json' },
      // Stamped when the request is built, on the clock the receiving workers share.
      setupRequest: (req: autocannon.Request) => ({
        ...req,
        body: JSON.stringify({ text: `t=${nowMs().toFixed(3)}${padding}`, from: 'sim-publisher' }),
      }),
      onResponse: (status: number, body: string) => {
        if (status !== 200) return;
        try {
          const { seq } = JSON.parse(body) as { seq: number };
          const list = acked[room] ?? [];
          list.push(seq);
          acked[room] = list;
        } catch {
          unreadable++;
        }
      },
    })),
  });
  const http: HttpFigures = {
    requests: result.requests.total,
    requestsPerSec: Math.round(result.requests.average),
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    latency: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
    },
  };
  return { http, unreadable };
}

/** The server-side publish API under load, with WebSocket clients in the rooms measuring delivery. */
export const publish: Scenario = {
  mode: 'track',
  async run(env: ScenarioEnv) {
    const { options } = env;
    env.phase('connecting');
    const { failed } = await connectAndSettle(env, 0, options.clients);
    env.phase('running');
    const acked: Record<string, number[]> = {};
    const {
      seconds: trafficSeconds,
      value: { http, unreadable: bad },
    } = await measure(env, () => cannon(env, acked));
    env.phase('draining');
    await drainAll(env);
    for (const seqs of Object.values(acked)) seqs.sort((a, b) => a - b);
    env.phase('verifying');
    const collected = await collectAll(env, acked, false);
    // The publish API's answers stand in for acks: each 200 carries the seq it assigned.
    collected.counters.acked = Object.values(acked).reduce((n, seqs) => n + seqs.length, 0);
    const refused = http.non2xx + http.errors + bad;
    if (refused > 0) {
      collected.violations.add(
        'requests-accepted',
        `${http.non2xx} non-2xx responses, ${http.errors} connection errors (${http.timeouts} timeouts), ${bad} unreadable bodies`,
        refused,
      );
    }
    return {
      ...collected,
      trafficSeconds,
      rules: TRACK_RULES.filter((r) => r !== 'sender-included'),
      fullyVerified: true,
      warnings: failed > 0 ? [`${failed} of ${options.clients} clients could not connect`] : [],
      notes: [
        `autocannon: ${options.senders} connections x ${options.rate} req/s into ${options.rooms} room(s) watched by ${options.clients} WebSocket clients`,
      ],
      http,
    };
  },
};
