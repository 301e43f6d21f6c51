import {
  createLatencyHistogram,
  encodeHistogram,
  type Histogram,
  nowMs,
  recordMs,
  serveCommands,
} from '@roomcast/measure';
import type { ClientPlan, Command, ConnectReply, DriverCounters, TotalsReply, WindowReply } from './messages.js';
import { WIRES, type WireClient } from './wires.js';

/**
 * One load worker: owns a share of the clients, sends at a fixed rate, and records the latency
 * of deliveries from the sender's timestamp carried at the start of the message text.
 */

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
const totals = { delivered: 0, acked: 0, rejected: 0, unexpectedCloses: 0, sentByRoom: {} as Record<string, number> };
const window = { delivered: 0, sent: 0 };
let totalSent = 0;

/** `text` is present for the deliveries that were parsed (all of them, or the light path's sample). */
function onMessage(text: string | undefined): void {
  totals.delivered++;
  if (!measuring) return;
  window.delivered++;
  if (text === undefined) return;
  const sentAt = Number.parseFloat(text);
  if (Number.isFinite(sentAt)) recordMs(histogram, nowMs() - sentAt);
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
  let failed = 0;
  let firstError: string | undefined;
  let lastWelcomeAt = 0;
  const welcomeTimes: Histogram = createLatencyHistogram();
  const started = nowMs();
  const queue: ClientPlan[] = [...cmd.clients];
  const lanes = Array.from({ length: Math.max(1, Math.min(cmd.concurrency, queue.length)) }, async () => {
    for (let plan = queue.shift(); plan; plan = queue.shift()) {
      try {
        const client = await wire(
          plan.url ?? cmd.url,
          plan.name,
          plan.room,
          { onMessage, onClose },
          cmd.receive,
          cmd.timeoutMs,
        );
        lastWelcomeAt = nowMs();
        recordMs(welcomeTimes, lastWelcomeAt - started);
        clients.push(client);
        if (plan.sender) senders.push({ client, room: plan.room, sent: 0, offsetMs: 0 });
      } catch (err) {
        failed++;
        firstError ??= err instanceof Error ? err.message : String(err);
      }
    }
  });
  await Promise.all(lanes);
  const reply: ConnectReply = {
    connected: cmd.clients.length - failed,
    failed,
    lastWelcomeAt,
    welcomeTimes: encodeHistogram(welcomeTimes),
  };
  return firstError === undefined ? reply : { ...reply, firstError };
}

/** Open-loop sending: each sender owes floor(elapsed * rate) messages, so a late tick catches up instead of slowing down. */
function startSending(rate: number, textBytes: number): void {
  clearInterval(ticker);
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

async function handle(cmd: Command): Promise<unknown> {
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
      measuring = true;
      return {};
    case 'measure-stop': {
      measuring = false;
      const reply: WindowReply = {
        histogram: encodeHistogram(histogram),
        delivered: window.delivered,
        sent: window.sent,
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
      Object.assign(totals, { delivered: 0, acked: 0, rejected: 0, unexpectedCloses: 0, sentByRoom: {} });
      totalSent = 0;
      return {};
    }
  }
}

serveCommands<Command, DriverCounters>(handle, () => ({
  connected: clients.length,
  delivered: totals.delivered,
  sent: totalSent,
}));
