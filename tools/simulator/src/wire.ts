import type { Rule } from './verify/violations.js';

/** What the main thread and the client workers say to each other. */

export type Mode = 'log' | 'track';

export interface ClientSpec {
  client: number;
  name: string;
  room: string;
}

export interface WorkerInit {
  workerIndex: number;
  url: string;
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
  frames: FrameLog[];
  requests: RequestLog[];
}

export interface DrainReport {
  /** Seqs acknowledged to this worker's senders since the last drain, by room. */
  acked: Record<string, number[]>;
}

export interface WorkerReport {
  counters: Counters;
  errorsByCode: Record<string, number>;
  latency: string;
  connectTime: string;
  violations: ViolationsData;
  sessions: SessionLog[];
  logOverflow: boolean;
}
