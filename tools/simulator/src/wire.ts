import type { Rule } from './verify/violations.js';

/** What the main thread and the client workers say to each other. */

/** resume: track mode whose clients resume after every drop, checking each room's seqs run unbroken. */
export type Mode = 'log' | 'track' | 'resume';

export interface ClientSpec {
  client: number;
  name: string;
  room: string;
  /** Access token for a server with auth on. */
  token?: string;
  /** Index of the node (--url) this client connects to. */
  node: number;
}

export interface WorkerInit {
  workerIndex: number;
  /** One WebSocket URL per node; a client uses urls[spec.node]. */
  urls: string[];
  runTag: string;
  /** log: keep every frame for the global verifier; track: constant-memory per-room checks. */
  mode: Mode;
  replyTimeoutMs: number;
  /** Frames a worker may log before it stops logging and reports an overflow. */
  logLimit: number;
  /** Bytes of padding in each chat message text. */
  padding: number;
}

export interface ScriptParams {
  seed: number;
  until: number;
  rooms: string[];
  maxRooms: number;
  /** Clients with a chatty profile and clients with a churny one (churn scenario). */
  profiles: Record<number, 'chat' | 'churn' | 'listen'>;
  /** Actions per second per client. */
  rate: number;
}

export type Command =
  | { type: 'connect'; clients: ClientSpec[]; concurrency: number }
  | { type: 'load'; senders: number[]; rate: number; until: number }
  | { type: 'script'; params: ScriptParams }
  | { type: 'drain'; quietMs: number; maxMs: number }
  | { type: 'collect'; expected: Record<string, number[]>; reset: boolean }
  /** resume mode: each named client sends one message into its room; replies with the acked seq by room. */
  | { type: 'fence'; clients: Record<string, number> }
  /** resume mode: the node with this index died; clients of it may see presence change. */
  | { type: 'node-killed'; node: number }
  | { type: 'close' };

export interface Counters {
  open: number;
  connects: number;
  connectFailures: number;
  sent: number;
  acked: number;
  delivered: number;
  presence: number;
  errors: number;
}

export function zeroCounters(): Counters {
  return { open: 0, connects: 0, connectFailures: 0, sent: 0, acked: 0, delivered: 0, presence: 0, errors: 0 };
}

export interface ConnectResult {
  client: number;
  ok: boolean;
  error?: string;
}

export interface ViolationsData {
  counts: Partial<Record<Rule, number>>;
  examples: Partial<Record<Rule, string[]>>;
}

/** A received frame, compact, as the global verifier needs it. */
export type FrameLog =
  | { k: 'welcome'; t: number }
  | { k: 'joined' | 'left'; t: number; room: string; user: string }
  | { k: 'msg'; t: number; room: string; seq: number; mid: string; from: string };

export interface RequestLog {
  event: 'join' | 'leave' | 'send';
  room: string;
  t0: number;
  t1?: number;
  reply?: 'ack' | 'error';
  code?: string;
  seq?: number;
  mid?: string;
  /** A probe that must be refused with this error code. */
  expect?: string;
}

export interface SessionLog {
  key: string;
  client: number;
  room: string;
  clientId?: string;
  tConnect: number;
  tWelcome?: number;
  tCloseIssued?: number;
  tClosed?: number;
  /** Rooms the welcome said this connection is in. */
  welcomeRooms: string[];
  /** Rooms the welcome said are over the server's PRESENCE_EVENTS_MAX_MEMBERS: joins and leaves go unannounced. */
  quietRooms?: string[];
  frames: FrameLog[];
  requests: RequestLog[];
}

export interface DrainReport {
  /** Seqs acknowledged to this worker's senders since the last drain, by room. */
  acked: Record<string, number[]>;
  /** resume mode: clients still not welcomed back after a drop. */
  resuming: number;
}

/** resume mode: how the drops went, per worker. */
export interface ResumeFigures {
  /** Connections lost without the client closing them. */
  drops: number;
  /** Of those, welcomed back with the token accepted. */
  resumed: number;
  /** Drop to welcome-back, ms, the longest. */
  maxGapMs: number;
  /** Connection attempts that failed while resuming (a dead node, a refusal). */
  failedAttempts: number;
  /** Rooms' messages each member should have had since it joined, and how many it had. */
  expected: number;
  received: number;
  /** Presence frames seen once traffic began, by the user they were about. */
  presenceAbout: Record<string, number>;
  /** Per dropped client id: its longest drop-to-welcome gap, and whether a drop was its node dying. */
  dropped: Record<string, { maxGapMs: number; nodeKilled: boolean }>;
}

export interface WorkerReport {
  counters: Counters;
  errorsByCode: Record<string, number>;
  latency: string;
  connectTime: string;
  violations: ViolationsData;
  sessions: SessionLog[];
  logOverflow: boolean;
  resume?: ResumeFigures;
}
