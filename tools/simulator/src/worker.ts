import { setTimeout as sleep } from 'node:timers/promises';
import { workerData } from 'node:worker_threads';
import { createLatencyHistogram, encodeHistogram, nowMs, serveCommands } from '@roomcast/measure';
import { runActor } from './actor.js';
import { Session } from './session.js';
import type { Command, Counters, DrainReport, ScriptParams, WorkerInit, WorkerReport } from './wire.js';
import { WorkerContext } from './worker-context.js';

// Worker-thread entry: a share of the clients, driven by commands from the main thread.

const ctx = new WorkerContext(workerData as WorkerInit);
/** The current session of each client. */
const current = new Map<number, Session>();
/** Every session ever opened, for the verifier. */
const all: Session[] = [];

async function connect(clients: Extract<Command, { type: 'connect' }>['clients'], concurrency: number) {
  const results: { client: number; ok: boolean }[] = [];
  let next = 0;
  const lane = async () => {
    while (next < clients.length) {
      const spec = clients[next++];
      if (!spec) break;
      const session = new Session(ctx, spec, 0);
      current.set(spec.client, session);
      all.push(session);
      results.push({ client: spec.client, ok: await session.open(ctx.init.replyTimeoutMs) });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, lane));
  return results;
}

/** Each sender sends at a fixed rate, on a schedule that does not drift, with bounded requests in flight. */
async function load(senders: number[], rate: number, until: number): Promise<void> {
  const interval = 1000 / rate;
  const maxInFlight = Math.max(16, Math.ceil(rate * 2));
  await Promise.all(
    senders.map(async (client, i) => {
      const session = current.get(client);
      if (!session) return;
      // Stagger senders so their sends do not all land in the same millisecond.
      let due = nowMs() + (interval * i) / Math.max(1, senders.length);
      while (due < until && session.isOpen) {
        const wait = due - nowMs();
        if (wait > 0) await sleep(wait);
        if (session.inFlight < maxInFlight) void session.send(session.spec.room);
        due += interval;
      }
    }),
  );
}

async function script(params: ScriptParams): Promise<void> {
  await Promise.all(
    [...current.values()].map((first) =>
      runActor(ctx, first, params, (s) => {
        current.set(s.spec.client, s);
        all.push(s);
      }),
    ),
  );
}

/** Waits until every request has its reply and no frame has arrived for `quietMs`. */
async function drain(quietMs: number, maxMs: number): Promise<DrainReport> {
  const deadline = nowMs() + maxMs;
  while (nowMs() < deadline && (ctx.pending > 0 || nowMs() - ctx.lastFrameAt < quietMs)) await sleep(20);
  const acked = Object.fromEntries(ctx.acked);
  ctx.acked.clear();
  return { acked };
}

function collect(expected: Record<string, number[]>, reset: boolean): WorkerReport {
  for (const session of current.values()) {
    if (!session.isOpen) continue;
    for (const [room, seqs] of Object.entries(expected)) {
      if (!session.rooms.has(room)) continue;
      const missed = session.missing(room, seqs);
      if (missed.length > 0) {
        const shown = missed.slice(0, 5).join(', ');
        ctx.violations.add(
          'delivery-complete',
          `${session.label} missed ${missed.length} of ${seqs.length} messages in "${room}" (seq ${shown}${missed.length > 5 ? ', ...' : ''})`,
          missed.length,
        );
      }
    }
    if (reset) session.resetTracks();
  }
  const report: WorkerReport = {
    counters: { ...ctx.counters },
    errorsByCode: { ...ctx.errorsByCode },
    latency: encodeHistogram(ctx.latency),
    connectTime: encodeHistogram(ctx.connectTime),
    violations: ctx.violations.toJSON(),
    sessions: ctx.init.mode === 'log' ? all.map((s) => s.log) : [],
    logOverflow: ctx.logOverflow,
  };
  if (reset) ctx.latency = createLatencyHistogram();
  return report;
}

async function close(): Promise<void> {
  await Promise.all([...current.values()].map((s) => s.close()));
}

async function run(cmd: Command): Promise<unknown> {
  switch (cmd.type) {
    case 'connect':
      return connect(cmd.clients, cmd.concurrency);
    case 'load':
      return load(cmd.senders, cmd.rate, cmd.until);
    case 'script':
      return script(cmd.params);
    case 'drain':
      return drain(cmd.quietMs, cmd.maxMs);
    case 'collect':
      return collect(cmd.expected, cmd.reset);
    case 'close':
      return close();
  }
}

serveCommands<Command, Counters>(run, () => ({ ...ctx.counters }));
