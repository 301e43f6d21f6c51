/** What the primary and its workers say about the workers' lives (the bus has its own messages, adapters/host/wire.ts). */
export type ControlMessage =
  /** Worker to primary: listening at `address`, as node `node`. */
  | { rc: 'listening'; address: string; node: string }
  /** Primary to a live worker on Redis: remove a dead worker's members now, announcing them gone. */
  | { rc: 'sweep'; node: string }
  /** Primary to worker: close gracefully (as on SIGTERM). */
  | { rc: 'shutdown' }
  /** Worker to primary: the metrics of every worker, aggregated; answered with the same id. */
  | { rc: 'metrics'; id: number }
  | { rc: 'metrics'; id: number; text: string; error?: string };

export const isControl = (m: unknown): m is ControlMessage => {
  const rc = (m as ControlMessage | null)?.rc;
  return rc === 'listening' || rc === 'shutdown' || rc === 'metrics' || rc === 'sweep';
};
