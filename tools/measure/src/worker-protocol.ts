/** Main thread -> worker: one command, answered by exactly one reply with the same `rid`. */
export interface CommandMessage<C> {
  rid: number;
  cmd: C;
}

/** Worker -> main thread: replies, and a progress report a few times a second. */
export type WorkerMessage<P> =
  | { type: 'reply'; rid: number; ok: true; value: unknown }
  | { type: 'reply'; rid: number; ok: false; error: string }
  | { type: 'progress'; counters: P; load: LoopSample };

/** How busy one worker's event loop was over one reporting interval. */
export interface LoopSample {
  /** Event-loop utilization, 0..1: near 1 means the worker had no idle time. */
  elu: number;
  /** Longest event-loop delay in the interval, ms: how late a timer or a frame could be handled. */
  lagMs: number;
}
