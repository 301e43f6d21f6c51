import { setTimeout as sleep } from 'node:timers/promises';
import { workerData } from 'node:worker_threads';
import { createLatencyHistogram, encodeHistogram, nowMs, serveCommands } from '@roomcast/measure';
import { runActor } from './actor.js';
import { ResumeState } from './resume-state.js';
import { Session } from './session.js';
import type { Command, Counters, DrainReport, ScriptParams, WorkerInit, WorkerReport } from './wire.js';
import { WorkerContext } from './worker-context.js';

// Worker-thread entry: a share of the clients, driven by commands from the main thread.

const ctx = new WorkerContext(workerData as WorkerInit);
/** The current session of each client. */
const current = new Map<number, Session>();
/** Every session ever opened, for the verifier. */
const all: Session[] = [];
const resumeMode = ctx.init.mode === 'resume';
/** Nodes known dead: a resume goes elsewhere at once. */
const killed = new Set<number>();
let closing = false;

function adopt(session: Session): void {
  current.set(session.spec.client, session);
  if (ctx.init.mode === 'log') all.push(session);
  if (resumeMode) session.onDrop = () => void resume(session);
}

/**
 * resume mode: a lost connection comes back with its token and positions, on the same node, or
 * on the next one when that one is dead or refuses.
 */
async function resume(lost: Session): Promise<void> {
  const state = lost.resume as ResumeState;
  state.droppedAt = nowMs();
  state.nodeKilled = killed.has(lost.spec.node);
  ctx.resume.drops++;
  ctx.resuming++;
  const nodes = ctx.init.urls.length;
  let node = lost.spec.node;
  let incarnation = lost.incarnation;
  const deadline = nowMs() + ctx.init.replyTimeoutMs * 4;
  try {
    while (!closing) {
      if (killed.has(node) && killed.size < nodes) node = (node + 1) % nodes;
      // A short random pause, as a real client's backoff, so resumes do not all land at once.
      await sleep(10 + Math.random() * 40);
      const next = new Session(ctx, { ...lost.spec, node }, ++incarnation, state);
      adopt(next);
      if (await next.open(ctx.init.replyTimeoutMs)) return;
      ctx.resume.failedAttempts++;
      node = (node + 1) % nodes;
      if (nowMs() > deadline) {
        ctx.violations.add(
          'resume-recovered',
          `${next.label} could not reconnect within ${ctx.init.replyTimeoutMs * 4} ms`,
        );
        return;
      }
    }
  } finally {
    ctx.resuming--;
  }
}

async function connect(clients: Extract<Command, { type: 'connect' }>['clients'], concurrency: number) {
  const results: { client: number; ok: boolean }[] = [];
  let next = 0;
  const lane = async () => {
    while (next < clients.length) {
      const spec = clients[next++];
      if (!spec) break;
      const session = new Session(ctx, spec, 0, resumeMode ? new ResumeState() : undefined);
      adopt(session);
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
      if (!current.get(client)) return;
      // Stagger senders so their sends do not all land in the same millisecond.
      let due = nowMs() + (interval * i) / Math.max(1, senders.length);
      // A dropped sender (resume mode) carries on once it is back; otherwise its run ends.
      while (due < until && (resumeMode || current.get(client)?.isOpen)) {
        const wait = due - nowMs();
        if (wait > 0) await sleep(wait);
        const session = current.get(client);
        if (session?.isOpen && session.inFlight < maxInFlight) void session.send(session.spec.room);
        due += interval;
      }
    }),
  );
}

async function script(params: ScriptParams): Promise<void> {
  await Promise.all([...current.values()].map((first) => runActor(ctx, first, params, adopt)));
}

/** Waits until every request has its reply and no frame has arrived for `quietMs`. */
async function drain(quietMs: number, maxMs: number): Promise<DrainReport> {
  const deadline = nowMs() + maxMs;
  while (nowMs() < deadline && (ctx.pending > 0 || ctx.resuming > 0 || nowMs() - ctx.lastFrameAt < quietMs)) {
    await sleep(20);
  }
  const acked = Object.fromEntries(ctx.acked);
  ctx.acked.clear();
  return { acked, resuming: ctx.resuming };
}

/** resume mode: one message per room from a client in it, whose seq is the last each member must reach. */
async function fence(clients: Record<string, number>): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  await Promise.all(
    Object.entries(clients).map(async ([room, client]) => {
      const session = current.get(client);
      const outcome = session?.isOpen ? await session.send(room) : undefined;
      if (outcome?.reply === 'ack' && 'seq' in outcome.result) out[room] = outcome.result.seq;
    }),
  );
  return out;
}

/** resume mode: every member of a room must hold an unbroken run of seqs from its join to the fence. */
function checkContinuity(expected: Record<string, number[]>): void {
  for (const session of current.values()) {
    const state = session.resume;
    if (!state) continue;
    for (const [room, continuity] of state.rooms) {
      const through = expected[room]?.[0];
      if (through === undefined) continue;
      const missed = continuity.missing(through);
      const owed = Math.max(0, through - continuity.joinedAt);
      ctx.resume.expected += owed;
      ctx.resume.received += owed - missed.length;
      if (missed.length > 0) {
        const shown = missed.slice(0, 5).join(', ');
        ctx.violations.add(
          'delivery-complete',
          `${session.label} missed ${missed.length} of ${through - continuity.joinedAt} messages in "${room}" since it joined at seq ${continuity.joinedAt} (seq ${shown}${missed.length > 5 ? ', ...' : ''})`,
          missed.length,
        );
      }
    }
  }
}

function collect(expected: Record<string, number[]>, reset: boolean): WorkerReport {
  if (resumeMode) checkContinuity(expected);
  for (const session of current.values()) {
    if (resumeMode) break;
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
    ...(resumeMode ? { resume: { ...ctx.resume } } : {}),
  };
  if (reset) ctx.latency = createLatencyHistogram();
  return report;
}

async function close(): Promise<void> {
  closing = true;
  await Promise.all([...current.values()].map((s) => s.close()));
}

async function run(cmd: Command): Promise<unknown> {
  switch (cmd.type) {
    case 'connect':
      return connect(cmd.clients, cmd.concurrency);
    case 'load':
      ctx.armed = true;
      return load(cmd.senders, cmd.rate, cmd.until);
    case 'script':
      return script(cmd.params);
    case 'drain':
      return drain(cmd.quietMs, cmd.maxMs);
    case 'collect':
      return collect(cmd.expected, cmd.reset);
    case 'close':
      return close();
    case 'fence':
      return fence(cmd.clients);
    case 'node-killed':
      killed.add(cmd.node);
      return;
  }
}

serveCommands<Command, Counters>(run, () => ({ ...ctx.counters }));
