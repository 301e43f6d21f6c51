import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parentPort } from 'node:worker_threads';
import type { CommandMessage, WorkerMessage } from './worker-protocol.js';

/**
 * The worker side of a WorkerPool: runs `handle` for each command and answers it once, and
 * reports `counters()` with the loop's utilization and delay every `intervalMs`.
 */
export function serveCommands<C, P>(
  handle: (cmd: C) => unknown | Promise<unknown>,
  counters: () => P,
  intervalMs = 250,
): void {
  const port = parentPort;
  if (!port) throw new Error('serveCommands must run in a worker thread');
  const post = (message: WorkerMessage<P>) => port.postMessage(message);
  port.on('message', ({ rid, cmd }: CommandMessage<C>) => {
    Promise.resolve()
      .then(() => handle(cmd))
      .then(
        (value) => post({ type: 'reply', rid, ok: true, value }),
        (err: unknown) => post({ type: 'reply', rid, ok: false, error: String((err as Error)?.stack ?? err) }),
      );
  });
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  let elu = performance.eventLoopUtilization();
  // Unref'd: it never keeps a finished worker alive.
  setInterval(() => {
    const next = performance.eventLoopUtilization();
    const sample = { elu: performance.eventLoopUtilization(next, elu).utilization, lagMs: delay.max / 1e6 };
    elu = next;
    delay.reset();
    post({ type: 'progress', counters: counters(), load: sample });
  }, intervalMs).unref();
}
