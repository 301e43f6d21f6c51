import type { WireName } from './wires.js';

/** One load client: its display name, its room, and whether it sends. */
export interface ClientPlan {
  name: string;
  room: string;
  sender: boolean;
  /** The node it connects to; the command's `url` when unset. */
  url?: string;
}

/** How a client reads what it receives. */
export interface ReceiveMode {
  /**
   * 1: every frame is parsed and every delivery timed. N > 1 (the light path, for ceiling runs):
   * deliveries are counted from the raw frame and only every Nth is parsed and timed, so the
   * driver runs out later than the server.
   */
  sampleEvery: number;
}

/** Main thread -> worker. Each command gets exactly one reply. */
export type Command =
  | {
      type: 'connect';
      wire: WireName;
      url: string;
      clients: ClientPlan[];
      /** Connections opened at once; the storm opens all of them together. */
      concurrency: number;
      receive: ReceiveMode;
      timeoutMs: number;
    }
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
  /** When the last welcome of this batch arrived (shared clock, ms), or 0 when none did. */
  lastWelcomeAt: number;
  /** Command to welcome, per client, as an encoded histogram. */
  welcomeTimes: string;
}

/** What one worker saw inside the measured window. */
export interface WindowReply {
  histogram: string;
  delivered: number;
  sent: number;
}

/** Counts since `connect`, for the completeness check after the senders stop. */
export interface TotalsReply {
  sentByRoom: Record<string, number>;
  delivered: number;
  acked: number;
  rejected: number;
  unexpectedCloses: number;
}

/** Live counts for the progress line. */
export interface DriverCounters {
  connected: number;
  delivered: number;
  sent: number;
}
