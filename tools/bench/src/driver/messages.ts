import type { WireName } from './wires.js';

/** One load client: its display name, its room, and whether it sends. */
export interface ClientPlan {
  name: string;
  room: string;
  sender: boolean;
}

/** Main thread -> worker. Each command gets exactly one reply with the same `seq`. */
export type Command =
  | { type: 'connect'; wire: WireName; url: string; clients: ClientPlan[]; concurrency: number }
  | { type: 'send-start'; rate: number; textBytes: number }
  | { type: 'send-stop' }
  | { type: 'measure-start' }
  | { type: 'measure-stop' }
  | { type: 'totals' }
  | { type: 'close' };

export interface ConnectReply {
  connected: number;
  failed: number;
  firstError?: string;
}

/** What one worker saw inside the measured window. */
export interface WindowReply {
  histogram: string;
  delivered: number;
  sent: number;
  /** Event loop utilization of the worker over the window, 0..1: near 1 means the driver saturated. */
  elu: number;
}

/** Counts since `connect`, for the completeness check after the senders stop. */
export interface TotalsReply {
  sentByRoom: Record<string, number>;
  delivered: number;
  acked: number;
  rejected: number;
  unexpectedCloses: number;
}

export type Reply = ConnectReply | WindowReply | TotalsReply | Record<string, never>;

/** Worker -> main thread. */
export type WorkerMessage =
  | { type: 'reply'; seq: number; body: Reply }
  | { type: 'failed'; seq: number; error: string }
  | { type: 'progress'; connected: number; delivered: number; sent: number };
