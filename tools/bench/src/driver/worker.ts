import { parentPort } from 'node:worker_threads';
import { createLatencyHistogram, encodeHistogram } from '../measure/histogram.js';
import { nowMs } from '../measure/stats.js';
import type { ClientPlan, Command, ConnectReply, Reply, TotalsReply, WindowReply, WorkerMessage } from './messages.js';
import { WIRES, type WireClient } from './wires.js';

/**
 * One load worker: owns a share of the clients, sends at a fixed rate, and records the latency
 * of every delivery from the sender's timestamp carried at the start of the message text.
 */
const port = parentPort;
if (!port) throw new Error('driver/worker must run in a worker thread');
const post = (message: WorkerMessage) => port.postMessage(message);

interface Sender {
  client: WireClient;
  room: string;
  sent: number;
  offsetMs: number;
}

let clients: WireClient[] = [];
let senders: Sender[] = [];
let closing = false;
let ticker: NodeJS.Timeout | undefined;
let histogram = createLatencyHistogram();
let measuring = false;
let eluStart = performance.eventLoopUtilization();
const totals = { delivered: 0, acked: 0, rejected: 0, unexpectedCloses: 0, sentByRoom: {} as Record<string, number> };
const window = { delivered: 0, sent: 0 };
let totalSent = 0;

function onMessage(_room: string, text: string): void {
  totals.delivered++;
  if (!measuring) return;
  window.delivered++;
  const sentAt = Number.parseFloat(text);
  if (Number.isFinite(sentAt)) histogram.recordValue(Math.max(1, Math.round((nowMs() - sentAt) * 1000)));
}

function onClose(): void {
  if (!closing) totals.unexpectedCloses++;
}

function onReply(ok: boolean): void {
  if (ok) totals.acked++;
  else totals.rejected++;
}

async function connect(cmd: Extract<Command, { type: 'connect' }>): Promise<ConnectReply> {
  const wire = WIRES[cmd.wire];
  closing = false;
  clients = [];
  senders = [];
  Object.assign(totals, { delivered: 0, acked: 0, rejected: 0, unexpectedCloses: 0, sentByRoom: {} });
  totalSent = 0;
  let failed = 0;
  let firstError: string | undefined;
  const queue: ClientPlan[] = [...cmd.clients];
  const lanes = Array.from({ length: Math.max(1, cmd.concurrency) }, async () => {
    for (let plan = queue.shift(); plan; plan = queue.shift()) {
      try {
        const client = await wire(cmd.url, plan.name, plan.room, { onMessage, onClose });
        clients.push(client);
        if (plan.sender) senders.push({ client, room: plan.room, sent: 0, offsetMs: 0 });
      } catch (err) {
        failed++;
        firstError ??= err instanceof Error ? err.message : String(err);
      }
    }
  });
  await Promise.all(lanes);
  return firstError === undefined
    ? { connected: clients.length, failed }
    : { connected: clients.length, failed, firstError };
}

/** Open-loop sending: each sender owes floor(elapsed * rate) messages, so a late tick catches up instead of slowing down. */
function startSending(rate: number, textBytes: number): void {
  const intervalMs = 1000 / rate;
  senders.forEach((s, i) => {
    s.sent = 0;
    s.offsetMs = (i / Math.max(1, senders.length)) * intervalMs;
  });
  const filler = 'x'.repeat(Math.max(0, textBytes - 18));
  const start = performance.now();
  ticker = setInterval(() => {
    const elapsed = performance.now() - start;
    for (const s of senders) {
      const due = elapsed < s.offsetMs ? 0 : Math.floor(((elapsed - s.offsetMs) * rate) / 1000) + 1;
      while (s.sent < due) {
        s.sent++;
        totalSent++;
        if (measuring) window.sent++;
        totals.sentByRoom[s.room] = (totals.sentByRoom[s.room] ?? 0) + 1;
        s.client.send(s.room, `${nowMs().toFixed(3)} ${filler}`, onReply);
      }
    }
  }, 5);
}

async function handle(cmd: Command): Promise<Reply> {
  switch (cmd.type) {
    case 'connect':
      return connect(cmd);
    case 'send-start':
      startSending(cmd.rate, cmd.textBytes);
      return {};
    case 'send-stop':
      clearInterval(ticker);
      ticker = undefined;
      return {};
    case 'measure-start':
      histogram = createLatencyHistogram();
      window.delivered = 0;
      window.sent = 0;
      eluStart = performance.eventLoopUtilization();
      measuring = true;
      return {};
    case 'measure-stop': {
      measuring = false;
      const reply: WindowReply = {
        histogram: encodeHistogram(histogram),
        delivered: window.delivered,
        sent: window.sent,
        elu: performance.eventLoopUtilization(eluStart).utilization,
      };
      return reply;
    }
    case 'totals': {
      const reply: TotalsReply = { ...totals, sentByRoom: { ...totals.sentByRoom } };
      return reply;
    }
    case 'close': {
      closing = true;
      clearInterval(ticker);
      await Promise.all(clients.map((c) => c.close()));
      clients = [];
      senders = [];
      return {};
    }
  }
}

port.on('message', (message: { seq: number; command: Command }) => {
  handle(message.command).then(
    (body) => post({ type: 'reply', seq: message.seq, body }),
    (err: unknown) =>
      post({ type: 'failed', seq: message.seq, error: err instanceof Error ? err.message : String(err) }),
  );
});

// Live counts for the progress line; unref'd so it never keeps a finished worker alive.
setInterval(
  () => post({ type: 'progress', connected: clients.length, delivered: totals.delivered, sent: totalSent }),
  500,
).unref();
